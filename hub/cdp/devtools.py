"""Where a Chromium session's DevTools live, and the capabilities that point clients at them.

chromedriver reports ``goog:chromeOptions.debuggerAddress`` (the node records it as the
``cdp`` endpoint); the browser-level websocket is named in ``/json/version``. Clients only
ever see the hub's own ``ws://<hub>/session/{id}/se/cdp``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from hub import debugger
from hub.grid.session import Session
from hub.keys import SETTINGS
from hub.nodes.base import NodeSession
from hub.urls import websocket_base

BROWSER_WS = "cdp_browser"  # cached in NodeSession.endpoints next to "cdp"


class DevToolsUnavailable(Exception):
    """The browser's DevTools endpoint did not say where its websocket is."""


async def browser_websocket_url(client: aiohttp.ClientSession, node: NodeSession) -> str:
    """The browser target's DevTools websocket, asked of ``/json/version`` once per session."""
    cached = node.endpoints.get(BROWSER_WS)
    if cached:
        return cached
    http = node.endpoints.get("cdp")
    if not http:
        raise DevToolsUnavailable("the session has no DevTools endpoint")
    try:
        url = await debugger.browser_websocket(client, http)
    except debugger.DebuggerUnreachable as error:
        raise DevToolsUnavailable(str(error)) from None
    node.endpoints[BROWSER_WS] = url
    return url


def cdp_version(session: Session) -> str:
    """What Selenium's ``bidi_connection()`` splits on "." to pick its devtools module."""
    return str(session.capabilities.get("browserVersion")
               or session.node_session.stereotype.get("browserVersion") or "")


def add_cdp_capabilities(request: web.Request, session: Session, caps: dict[str, Any]) -> None:
    """Capability hook: ``se:cdp`` and ``se:cdpVersion`` for sessions with DevTools."""
    if "cdp" not in session.node_session.endpoints:
        return
    base = websocket_base(request, request.app[SETTINGS].public_url)
    caps["se:cdp"] = f"{base}/session/{session.id}/se/cdp"
    caps["se:cdpVersion"] = cdp_version(session)


def rewrite_bidi_url(request: web.Request, session: Session, caps: dict[str, Any]) -> None:
    """Capability hook: the driver's BiDi websocket is private; hand out the hub's instead."""
    if not isinstance(caps.get("webSocketUrl"), str):
        return
    if "bidi" not in session.node_session.endpoints:
        caps.pop("webSocketUrl")
        return
    base = websocket_base(request, request.app[SETTINGS].public_url)
    caps["webSocketUrl"] = f"{base}/session/{session.id}"
