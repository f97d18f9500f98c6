"""The WebDriver surface, at ``/`` and under ``/wd/hub``: thin handlers over the grid."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from hub import untrusted
from hub.callers import USER, caller_of
from hub.keys import CAPABILITY_HOOKS, DISTRIBUTOR, GRID, PROXY, REGISTRY, SETTINGS
from hub.scope import hidden_session, owns, sees_all
from hub.w3c.capabilities import Capabilities, process_capabilities
from hub.w3c.errors import InvalidArgument, InvalidSessionId, SessionNotCreated

if TYPE_CHECKING:
    from hub.callers import Owner
    from hub.grid.queue import SessionRequest
    from hub.grid.session import Session

PREFIXES = ("", "/wd/hub")


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps({"value": value}).encode(),
                        content_type="application/json", charset="utf-8")


async def read_json(request: web.Request) -> Any:
    try:
        return await untrusted.read_json(request)
    except untrusted.UnsafeInput as error:
        raise InvalidArgument(str(error)) from None


def owner_of(request: web.Request) -> Owner | None:
    """The authenticated user, when the auth middleware put one on the request."""
    return request.get(USER)


def session_request(request: web.Request, candidates: list[Capabilities], *,
                    kind: str = "webdriver") -> SessionRequest:
    """The grid's request for validated candidates on behalf of this request's caller; it
    fails at once (``invalid argument``, or ``session not created`` when no node could ever
    serve it) before anything waits."""
    return request.app[GRID].request(candidates, kind=kind, owner=owner_of(request),
                                     client=caller_of(request))


async def start_session(request: web.Request, candidates: list[Capabilities], *,
                        kind: str = "webdriver") -> Session:
    """Hand validated candidates to the grid on behalf of this request's caller."""
    return await request.app[GRID].submit(session_request(request, candidates, kind=kind))


def announce(request: web.Request, session: Session) -> Capabilities:
    """The capabilities a new session's client gets: the packages' hooks add ``se:cdp``,
    ``se:vnc`` and friends on the hub's public address."""
    capabilities = dict(session.capabilities)
    for hook in request.app[CAPABILITY_HOOKS]:
        hook(request, session, capabilities)
    session.capabilities = capabilities
    return capabilities


async def new_session(request: web.Request) -> web.Response:
    session = await start_session(request, process_capabilities(await read_json(request)))
    return json_response({"sessionId": session.id, "capabilities": announce(request, session)})


def find_session(request: web.Request) -> Session:
    session = request.app[REGISTRY].get(request.match_info["session_id"])
    user = owner_of(request)
    if user is not None and session.owner is not None and not _may_act(user, session):
        raise InvalidSessionId(f"no such session: {session.id}")
    return session


def _may_act(user: Owner, session: Session) -> bool:
    return user.is_admin or (session.owner is not None and user.id == session.owner.id)


async def proxy_command(request: web.Request) -> web.Response:
    session = find_session(request)
    return await request.app[PROXY].forward(request, session, request.match_info["tail"])


async def delete_session(request: web.Request) -> web.Response:
    session = find_session(request)
    response = await request.app[PROXY].forward(request, session, "")
    session.node_session.quit_sent = True
    await asyncio.shield(request.app[DISTRIBUTOR].end_session(session, "the client quit",
                                                             by=caller_of(request)))
    return response


async def status(request: web.Request) -> web.Response:
    distributor = request.app[DISTRIBUTOR]
    settings = request.app[SETTINGS]
    sessions = {s.id: session_summary(s) if owns(request, s.owner) else
                hidden_session(s.created_at) for s in request.app[REGISTRY]}
    nodes = [slots.status(sessions, settings.session_timeout)
             for slots in distributor.nodes.values()]
    ready = distributor.taking and any(slots.has_room for slots in distributor.nodes.values())
    message = "Selenium Grid ready." if ready else "Selenium Grid not ready."
    if distributor.paused_for:
        message = f"{message} {distributor.paused_for}"
    return json_response({"ready": ready, "message": message, "nodes": nodes})


def session_summary(session: Session) -> dict[str, Any]:
    return {
        "sessionId": session.id,
        "capabilities": session.capabilities,
        "start": session.created_at,
        "stereotype": session.node_session.stereotype,
        "uri": session.slots.node.uri,
    }


async def list_queue(request: web.Request) -> web.Response:
    return json_response([
        {"requestId": r.id, "enqueued": r.enqueued_at, "capabilities": r.candidates}
        for r in request.app[DISTRIBUTOR].waiting() if owns(request, r.owner)
    ])


async def clear_queue(request: web.Request) -> web.Response:
    reason = "New session request was cancelled: the new session queue was cleared"
    distributor = request.app[DISTRIBUTOR]
    if sees_all(request):
        cleared = distributor.clear(reason)
    else:  # only the caller's own requests
        mine = [r for r in distributor.waiting()
                if owns(request, r.owner) and distributor.withdraw(r)]
        for queued in mine:
            queued.fail(SessionNotCreated(reason))
        cleared = len(mine)
    return json_response({"value": cleared, "message": f"Cleared {cleared} requests"})


def add_command_routes(app: web.Application) -> None:
    """The command route, added before any package adds its own session routes.

    aiohttp tries the routes under ``/session`` in the order they were added, so a command
    that came after the CDP, BiDi and VNC routes paid for matching each of them first. This
    one takes a non-empty tail outside ``/se/`` (no other package's route has one), so it can
    go first; the bare session path and ``/se/...`` reach the catch-all in ``add_routes``
    after the packages that claim them.
    """
    for prefix in PREFIXES:
        app.router.add_route("*", f"{prefix}/session/{{session_id}}{{tail:/(?!se/).*}}",
                             proxy_command)


def add_routes(app: web.Application) -> None:
    for prefix in PREFIXES:
        router = app.router
        router.add_post(f"{prefix}/session", new_session)
        router.add_get(f"{prefix}/status", status)
        router.add_get(f"{prefix}/se/grid/newsessionqueue/queue", list_queue)
        router.add_delete(f"{prefix}/se/grid/newsessionqueue/queue", clear_queue)
        router.add_delete(f"{prefix}/session/{{session_id}}", delete_session)
        router.add_route("*", f"{prefix}/session/{{session_id}}{{tail:(/.*)?}}", proxy_command)
