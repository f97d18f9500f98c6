"""Websocket routes of WebDriver sessions: ``.../se/cdp`` (DevTools) and BiDi.

BiDi clients connect to the ``webSocketUrl`` they were given, ``ws://<hub>/session/{id}``,
the same path shape the drivers use. That path is also a (meaningless) WebDriver GET, so
the handler bridges websocket upgrades and forwards everything else to the command proxy.
Every handler finds its session through ``find_session``, so the owner check applies, and
refuses before the upgrade (a W3C error with an HTTP status) when it cannot bridge.
"""

from __future__ import annotations

from aiohttp import web

from hub.cdp.devtools import DevToolsUnavailable, browser_websocket_url
from hub.keys import BRIDGES, PROXY, SETTINGS, UPSTREAM
from hub.proxy.websocket import (
    UpstreamUnavailable,
    connect_upstream,
    is_websocket_upgrade,
    serve_bridge,
)
from hub.w3c.errors import InvalidArgument, UnknownCommand, UnknownError
from hub.w3c.routes import PREFIXES, find_session


def _require_upgrade(request: web.Request) -> None:
    if not is_websocket_upgrade(request):
        raise InvalidArgument(f"{request.path} takes a websocket connection (Upgrade: websocket)")


async def session_cdp(request: web.Request) -> web.StreamResponse:
    """Bridge to the browser target's DevTools websocket (Selenium's ``se:cdp``)."""
    _require_upgrade(request)
    session = find_session(request)
    if "cdp" not in session.node_session.endpoints:
        raise UnknownCommand(
            f"session {session.id} ({session.browser_name}) has no Chrome DevTools endpoint; "
            "use WebDriver BiDi (webSocketUrl: true) instead"
        )
    client = request.app[UPSTREAM]
    try:
        url = await browser_websocket_url(client, session.node_session)
        upstream = await connect_upstream(client, url)
    except (DevToolsUnavailable, UpstreamUnavailable) as error:
        raise UnknownError(f"cannot reach the DevTools of session {session.id}: {error}") from None
    return await serve_bridge(request, session, upstream, request.app[BRIDGES], name="cdp",
                              heartbeat=request.app[SETTINGS].websocket_heartbeat)


async def session_bidi(request: web.Request) -> web.StreamResponse:
    """Bridge to the driver's WebDriver BiDi websocket."""
    _require_upgrade(request)
    session = find_session(request)
    url = session.node_session.endpoints.get("bidi")
    if not url:
        raise UnknownCommand(
            f"session {session.id} has no BiDi websocket: ask for the capability "
            "webSocketUrl: true when creating it"
        )
    try:
        upstream = await connect_upstream(request.app[UPSTREAM], url)
    except UpstreamUnavailable as error:
        raise UnknownError(f"cannot reach the BiDi websocket of session {session.id}: "
                           f"{error}") from None
    return await serve_bridge(request, session, upstream, request.app[BRIDGES], name="bidi",
                              heartbeat=request.app[SETTINGS].websocket_heartbeat)


async def session_root(request: web.Request) -> web.StreamResponse:
    """``GET /session/{id}``: a BiDi upgrade is bridged, anything else goes to the driver."""
    if is_websocket_upgrade(request):
        return await session_bidi(request)
    return await request.app[PROXY].forward(request, find_session(request), "")


def add_routes(app: web.Application) -> None:
    """Registered before the WebDriver catch-all ``/session/{id}{tail}``, which they shadow."""
    for prefix in PREFIXES:
        app.router.add_get(f"{prefix}/session/{{session_id}}", session_root)
        app.router.add_get(f"{prefix}/session/{{session_id}}/se/cdp", session_cdp)
        app.router.add_get(f"{prefix}/session/{{session_id}}/se/bidi", session_bidi)
