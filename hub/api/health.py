"""/api/health: can the hub serve sessions, and is anything it leans on down (public, for load
balancers and probes).

``services`` holds one word per service (``healthy``, ``degraded``, ``unhealthy``,
``not_configured``), as promised to users; ``details`` what each check found.
``healthy``: everything answers. ``degraded`` (still 200): sessions can start but the
database, a Docker engine or some node is down. ``unhealthy`` (503): no node in rotation, or
the hub takes no new sessions (shutting down, or paused while cut off from its database).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import psutil
from aiohttp import web
from sqlalchemy import text

from hub.api import schemas as s
from hub.api.common import json_response
from hub.api.contract import Answer, operation
from hub.keys import DATABASE, DISTRIBUTOR, SETTINGS

if TYPE_CHECKING:
    from hub.grid.distributor import Distributor

CHECK_TIMEOUT = 5.0
# The promised one-word state of each service; "details" keeps the check's own answer.
WORD = {"up": "healthy", "degraded": "degraded", "down": "unhealthy", "paused": "unhealthy",
        "stopping": "unhealthy", "not_configured": "not_configured"}


async def _database(app: web.Application) -> dict[str, Any]:
    if DATABASE not in app:
        return {"status": "down", "message": "no database configured"}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with app[DATABASE].session() as session:
                await session.execute(text("SELECT 1"))
    except Exception as error:
        return {"status": "down", "message": f"{type(error).__name__}: {error}"[:300]}
    return {"status": "up", "dialect": app[DATABASE].dialect}


async def _docker(app: web.Application) -> dict[str, Any]:
    """One ping per Docker engine (a Docker node's health check pings its engine)."""
    engines = [s.node for s in app[DISTRIBUTOR].nodes.values() if s.node.kind == "docker"]
    if not engines:
        return {"status": "not_configured", "engines": []}

    async def ping(node: Any) -> dict[str, Any]:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                result = await node.health()
        except Exception as error:
            return {"id": node.id, "status": "down", "message": repr(error)}
        return {"id": node.id, "status": "up" if result.healthy else "down",
                "message": result.message}

    results = await asyncio.gather(*(ping(node) for node in engines))
    down = sum(1 for r in results if r["status"] == "down")
    return {"status": "down" if down else "up", "engines": results}


def _active_connections(port: int) -> int:
    try:
        connections = psutil.Process().net_connections(kind="tcp")
    except psutil.Error:
        return 0
    return sum(1 for c in connections
               if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port)


def _hub_status(distributor: Distributor) -> dict[str, Any]:
    if distributor.closed:
        return {"status": "stopping"}
    if distributor.paused_for is not None:
        return {"status": "paused", "message": distributor.paused_for}
    return {"status": "up"}


@operation("Can the hub serve sessions, and is what it leans on up", tag="monitoring",
           public=True, answers={200: Answer("healthy or degraded", s.Health),
                                  503: Answer("unhealthy: no node in rotation, or the hub takes "
                                              "no new sessions", s.Health)})
async def health(request: web.Request) -> web.Response:
    app = request.app
    distributor = app[DISTRIBUTOR]
    database, docker = await asyncio.gather(_database(app), _docker(app))
    nodes = list(distributor.nodes.values())
    in_rotation = sum(1 for s in nodes if s.availability == "UP")
    serving = in_rotation > 0 and distributor.taking
    degraded = (database["status"] == "down" or docker["status"] == "down"
                or in_rotation < len(nodes))
    status = "unhealthy" if not serving else "degraded" if degraded else "healthy"
    details = {
        "hub": _hub_status(distributor),
        "nodes": {"status": "up" if in_rotation == len(nodes) and nodes else
                  "degraded" if in_rotation else "down",
                  "total": len(nodes), "healthy": in_rotation,
                  "unhealthy": [{"id": s.id, "availability": s.availability,
                                 "message": s.health_message}
                                for s in nodes if s.availability != "UP"]},
        "database": database,
        "docker": docker,
    }
    body = {
        "status": status,
        "services": {"mainApp": WORD[details["hub"]["status"]],
                     "browserPool": WORD[details["nodes"]["status"]],
                     "database": WORD[database["status"]], "docker": WORD[docker["status"]]},
        "details": details,
        "performance": {
            "cpuUsage": psutil.cpu_percent(interval=None),
            "memoryUsage": psutil.virtual_memory().percent,
            "activeConnections": await asyncio.to_thread(_active_connections,
                                                         app[SETTINGS].port),
        },
        "sessions": {"active": distributor.session_count, "queued": distributor.queued},
    }
    return json_response(body, status=200 if serving else 503)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/health", health)
