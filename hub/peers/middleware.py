"""Route a request for another hub's session to that hub.

Runs innermost, after the guard, auth and CSRF checks of this hub. A request that names no
session, or a session this hub holds, or one whose id carries this hub's key, or one already
forwarded by a peer (one hop at most), goes to this hub's handler with no await: the command
path pays one dict lookup. Otherwise the id's key names the owner hub (``hub/peers/ids.py``)
and the request is forwarded there. An owner that is dead, or that does not answer, ends the
session for the client with a W3C ``invalid session id`` saying so; off the WebDriver surface
this hub's own handler answers from the shared database instead (history, recordings).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.db.hubs import failed_reason
from hub.grid.submit import Overflow
from hub.keys import REGISTRY
from hub.peers.capacity import MAY_HAND_ON
from hub.peers.directory import Peer
from hub.peers.forward import PeerRefused, PeerUnreachable
from hub.peers.ids import HOP_HEADER, owner_key, route_key
from hub.peers.state import PEERS, Peers
from hub.proxy.websocket import is_websocket_upgrade
from hub.w3c.errors import InvalidSessionId, SessionNotCreated
from hub.w3c.middleware import is_webdriver_path

log = logging.getLogger(__name__)
# Where clients ask for new sessions: a request waiting here may be handed to a hub with room.
NEW_SESSION = frozenset({("POST", "/session"), ("POST", "/wd/hub/session"),
                         ("POST", "/api/sessions/create"), ("GET", "/cdp")})
_W3C_CODES = {401: "unauthorized", 403: "unknown error", 404: "invalid session id"}


@web.middleware
def route_to_owner(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Not a coroutine: this hub's own sessions pass without an await."""
    session_id = request.match_info.get("session_id")
    if session_id is None:
        if (request.method, request.path) in NEW_SESSION and HOP_HEADER not in request.headers:
            return _new_session(request, handler, request.app[PEERS])
        return handler(request)
    if request.app[REGISTRY].find(session_id) is not None or (
            request.method == "GET" and request.path == f"/api/sessions/{session_id}"):
        return handler(request)  # the session's row: any hub reads it in the database
    peers = request.app[PEERS]
    key = owner_key(session_id)
    if not key or key == peers.directory.own_key or HOP_HEADER in request.headers:
        return handler(request)
    return _forward(request, handler, peers, session_id, key)


async def _forward(request: web.Request, handler: Handler, peers: Peers, session_id: str,
                   key: str) -> web.StreamResponse:
    peer = peers.directory.get(key) or await peers.directory.find(key)
    if peer is None:  # no hub of this database has that key: this hub's answer (unknown id)
        return await handler(request)
    webdriver = is_webdriver_path(request.path)
    if peer.alive:
        try:
            if is_websocket_upgrade(request):
                return await peers.forwarder.websocket(request, peer)
            if webdriver:
                return await peers.forwarder.command(request, peer)
            return await peers.forwarder.stream(request, peer)
        except PeerUnreachable as error:
            peers.directory.mark_unreachable(key)
            log.warning("peers.unreachable hub=%s url=%s session=%s error=%s", peer.id,
                        peer.url, session_id, error)
            reason = (f"its hub {peer.id} at {peer.url} does not answer ({error}); the "
                      "session was lost with it")
        except PeerRefused as error:
            return _refusal(webdriver, error)
    else:
        reason = failed_reason(peer.id)
    if webdriver:
        raise InvalidSessionId(f"session {session_id} has ended: {reason}")
    return await handler(request)


async def _new_session(request: web.Request, handler: Handler,
                       peers: Peers) -> web.StreamResponse:
    """Place the request here; when it waited and another hub has room (``Overflow``), the
    client's request goes there as it came (one hop: that hub places it itself)."""
    token = MAY_HAND_ON.set(request)
    try:
        return await handler(request)
    except Overflow as moved:
        peer = moved.target
        assert isinstance(peer, Peer)
    finally:
        MAY_HAND_ON.reset(token)
    log.info("peers.handed_on hub=%s url=%s path=%s", peer.id, peer.url, request.path)
    try:
        if is_websocket_upgrade(request):
            return await peers.forwarder.websocket(request, peer)
        if is_webdriver_path(request.path):
            return await peers.forwarder.command(request, peer)
        return await peers.forwarder.stream(request, peer)
    except PeerUnreachable as error:
        peers.directory.mark_unreachable(route_key(peer.id))
        raise SessionNotCreated(f"the request was handed to hub {peer.id}, which had room, "
                                f"but it stopped answering: {error}") from None
    except PeerRefused as error:
        return _refusal(is_webdriver_path(request.path), error)


def _refusal(webdriver: bool, error: PeerRefused) -> web.Response:
    message = f"the session's hub refused the websocket: {error.status} {error}"
    body: dict[str, object]
    if webdriver:
        body = {"value": {"error": _W3C_CODES.get(error.status, "unknown error"),
                          "message": message, "stacktrace": ""}}
    else:
        body = {"error": "refused", "message": message}
    return web.Response(status=error.status, body=json.dumps(body).encode(),
                        content_type="application/json")
