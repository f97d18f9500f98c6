"""/api/nodes: the node registry (list, add a relay, remove, drain), and Grid's drain route.

Changes need an admin when auth is on; every change is audited, and relay nodes are
persisted so they come back after a restart.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import audit, json_response, read_body
from hub.api.contract import Answer, operation
from hub.api.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthenticated
from hub.callers import USER, caller_of
from hub.grid.slots import DRAINING, NodeSlots
from hub.keys import DATABASE, DISTRIBUTOR, HEALTH_CHECKER, RELAYS, SETTINGS
from hub.nodes.relay import RelayNode
from hub.scaling import store
from hub.scaling.usage import node_view


def require_admin(request: web.Request) -> None:
    """With auth on, only an admin may change the grid; with auth off anyone on the host may."""
    if request.app[SETTINGS].auth != "on":
        return
    user = request.get(USER)
    if user is None:
        raise Unauthenticated("sign in first: this needs an admin's API token")
    if not user.is_admin:
        raise Forbidden("only an admin may change the grid's nodes and balancing")


def _find(request: web.Request) -> NodeSlots:
    node_id = request.match_info["node_id"]
    slots = request.app[DISTRIBUTOR].nodes.get(node_id)
    if slots is None:
        raise NotFound(f"no such node: {node_id}")
    return slots


@operation("The nodes, their slots and health", tag="grid", answers={
    200: Answer("the nodes", {"type": "object", "required": ["nodes"],
                              "properties": {"nodes": {"type": "array"}}})})
async def list_nodes(request: web.Request) -> web.Response:
    metrics = request.app[HEALTH_CHECKER].metrics
    return json_response({"nodes": [node_view(slots, metrics.get(slots.id))
                                    for slots in request.app[DISTRIBUTOR].nodes.values()]})


def _relay_from(body: dict[str, Any], timeout: float) -> RelayNode:
    url = body.get("url")
    try:
        parsed = urllib.parse.urlsplit(url) if isinstance(url, str) else None
        port = parsed.port if parsed else None  # noqa: F841 - parsing it checks the port
    except ValueError:  # "http://[::1", "http://h:99999"
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise BadRequest("field 'url' must be the http(s) URL of a WebDriver endpoint")
    max_sessions = body.get("maxSessions", 1)
    if isinstance(max_sessions, bool) or not isinstance(max_sessions, int) or max_sessions < 1:
        raise BadRequest("field 'maxSessions' must be a whole number of at least 1")
    stereotypes = body.get("stereotypes", [{"browserName": "chrome"}])
    if (not isinstance(stereotypes, list) or not stereotypes or not all(
            isinstance(s, dict) and isinstance(s.get("browserName"), str) for s in stereotypes)):
        raise BadRequest("field 'stereotypes' must be a list of capabilities, each with a "
                         "browserName")
    node_id = body.get("id") or f"relay-{uuid.uuid4().hex[:8]}"
    if not isinstance(node_id, str):
        raise BadRequest("field 'id' must be a string")
    assert isinstance(url, str)  # checked above with the scheme and host
    return RelayNode(node_id, url, max_sessions=max_sessions, stereotypes=stereotypes,
                     start_timeout=timeout)


@operation("Add a relay node: another WebDriver endpoint (admins)", tag="grid", body=s.NewNode,
           answers={201: Answer("the node", {"type": "object"}),
                     403: Answer("not an admin", s.Error),
                     409: Answer("a node with that id exists", s.Error)})
async def add_node(request: web.Request) -> web.Response:
    require_admin(request)
    app = request.app
    node = _relay_from(await read_body(request), app[SETTINGS].session_start_timeout)
    if node.id in app[DISTRIBUTOR].nodes:
        raise Conflict(f"a node with id {node.id!r} exists already")
    await node.start()
    app[RELAYS][node.id] = node
    slots = app[DISTRIBUTOR].add_node(node)
    health = await node.health()
    if not health.healthy:
        slots.availability, slots.health_message = "DOWN", health.message
    await store.save_relays(app[DATABASE], [n.describe() for n in app[RELAYS].values()])
    audit(request, "node.add", resource_type="node", resource_id=node.id,
          details=node.describe())
    return json_response(node_view(slots), status=201)


@operation("Remove a relay node, ending its sessions (admins)", tag="grid", answers={
    204: Answer("removed"), 403: Answer("not an admin", s.Error),
    404: Answer("no such node", s.Error),
    409: Answer("not a relay node: drain it instead", s.Error)})
async def delete_node(request: web.Request) -> web.Response:
    require_admin(request)
    app = request.app
    slots = _find(request)
    node = app[RELAYS].get(slots.id)
    if node is None:
        raise Conflict(f"node {slots.id} is a {slots.node.kind} node of this hub; drain it "
                       "instead")
    distributor = app[DISTRIBUTOR]
    distributor.remove_node(slots.id)
    ending = [s for s in distributor.sessions() if s.slots is slots]
    await asyncio.gather(*(distributor.end_session(s, "its node was removed",
                                                   by=caller_of(request)) for s in ending))
    del app[RELAYS][slots.id]
    await node.close()
    await store.save_relays(app[DATABASE], [n.describe() for n in app[RELAYS].values()])
    audit(request, "node.remove", resource_type="node", resource_id=slots.id,
          details={"url": node.uri, "endedSessions": len(ending)})
    return web.Response(status=204)


@operation("Drain a node: no new sessions, running ones finish (admins)", tag="grid",
           answers={200: Answer("the node", {"type": "object"}),
                     403: Answer("not an admin", s.Error), 404: Answer("no such node", s.Error)})
async def drain_node(request: web.Request) -> web.Response:
    require_admin(request)
    slots = _find(request)
    slots.availability = DRAINING
    audit(request, "node.drain", resource_type="node", resource_id=slots.id,
          details={"activeSessions": slots.busy})
    return json_response(node_view(slots))


async def grid_drain(request: web.Request) -> web.Response:
    """Selenium Grid's drain route, answered in the WebDriver shape."""
    try:
        await drain_node(request)
    except (Unauthenticated, Forbidden, NotFound) as error:
        body = {"value": {"error": error.error_code, "message": error.message}}
        return web.Response(status=error.http_status, body=json.dumps(body).encode(),
                            content_type="application/json")
    return web.Response(body=json.dumps({"value": True}).encode(),
                        content_type="application/json")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/nodes", list_nodes)
    app.router.add_post("/api/nodes", add_node)
    app.router.add_delete("/api/nodes/{node_id}", delete_node)
    app.router.add_post("/api/nodes/{node_id}/drain", drain_node)
    for prefix in ("", "/wd/hub"):
        app.router.add_post(f"{prefix}/se/grid/distributor/node/{{node_id}}/drain", grid_drain)
