"""The WebDriver surface, at ``/`` and under ``/wd/hub``: thin handlers over the grid."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from hub import untrusted
from hub.callers import caller_of
from hub.grid.queue import SessionRequest
from hub.grid.session import Session
from hub.keys import CAPABILITY_HOOKS, DISTRIBUTOR, PROXY, QUEUE, REGISTRY, SETTINGS
from hub.w3c.capabilities import SessionOptions, process_capabilities
from hub.w3c.errors import InvalidArgument, InvalidSessionId, SessionNotCreated

PREFIXES = ("", "/wd/hub")


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps({"value": value}).encode(),
                        content_type="application/json", charset="utf-8")


async def read_json(request: web.Request) -> Any:
    try:
        return await untrusted.read_json(request)
    except untrusted.UnsafeInput as error:
        raise InvalidArgument(str(error)) from None


def owner_of(request: web.Request) -> Any:
    """The authenticated user, when the auth middleware put one on the request."""
    return request.get("user")


async def wait_for_session(request: web.Request, session_request: SessionRequest) -> Session:
    """Queue the request and wait for its session, its failure or the queue timeout."""
    app = request.app
    queue = app[QUEUE]
    queue.add(session_request)
    try:
        async with asyncio.timeout(app[SETTINGS].session_request_timeout):
            return await asyncio.shield(session_request.future)
    except TimeoutError:
        if queue.remove(session_request):
            session_request.fail(SessionNotCreated("New session request timed out"))
            raise SessionNotCreated(
                "New session request timed out after "
                f"{app[SETTINGS].session_request_timeout:g} s in the queue"
                + app[DISTRIBUTOR].why_unavailable(session_request.candidates)
            ) from None
        return await session_request.future
    except asyncio.CancelledError:
        queue.remove(session_request)
        session_request.future.cancel()
        raise


async def new_session(request: web.Request) -> web.Response:
    body = await read_json(request)
    candidates = process_capabilities(body)
    for caps in candidates:
        SessionOptions.from_capabilities(caps)
    request.app[DISTRIBUTOR].check_satisfiable(candidates)
    session = await wait_for_session(
        request, SessionRequest(candidates, owner=owner_of(request), client=caller_of(request))
    )
    capabilities = dict(session.capabilities)
    for hook in request.app[CAPABILITY_HOOKS]:
        hook(request, session, capabilities)
    session.capabilities = capabilities
    return json_response({"sessionId": session.id, "capabilities": capabilities})


def find_session(request: web.Request) -> Session:
    session = request.app[REGISTRY].get(request.match_info["session_id"])
    user = owner_of(request)
    if user is not None and session.owner is not None and not _may_act(user, session):
        raise InvalidSessionId(f"no such session: {session.id}")
    return session


def _may_act(user: Any, session: Session) -> bool:
    return bool(getattr(user, "is_admin", False)) or getattr(user, "id", user) == getattr(
        session.owner, "id", session.owner)


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
    sessions = {s.id: session_summary(s) for s in request.app[REGISTRY]}
    nodes = [slots.status(sessions, settings.session_timeout)
             for slots in distributor.nodes.values()]
    queue = distributor.queue
    ready = queue.taking and any(slots.has_room for slots in distributor.nodes.values())
    message = "Selenium Grid ready." if ready else "Selenium Grid not ready."
    if queue.paused_for:
        message = f"{message} {queue.paused_for}"
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
        for r in request.app[QUEUE]
    ])


async def clear_queue(request: web.Request) -> web.Response:
    cleared = request.app[QUEUE].clear(
        "New session request was cancelled: the new session queue was cleared"
    )
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
