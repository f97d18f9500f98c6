"""/api/health: is the hub up (public, for load balancers and probes)."""

from __future__ import annotations

from aiohttp import web

from hub.api.common import json_response


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/health", health)
