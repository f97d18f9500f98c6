"""``/cdp``: a Chromium for Playwright's ``connect_over_cdp``, one per websocket.

``ws://<hub>/cdp`` queues a request of kind ``cdp`` like any WebDriver session (same queue,
matching, balancer, owner, recording), then bridges the websocket to the new browser's
DevTools. The session lives exactly as long as the websocket. ``http://<hub>/cdp`` works
too: Playwright reads ``/cdp/json/version/`` and follows its ``webSocketDebuggerUrl`` back
here, query string (options, token) included.

Options come as query parameters or headers (``enableVideo: true`` or
``X-TGGrid-enableVideo: true``); query parameters win.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

from hub.callers import Caller, caller_of
from hub.cdp.devtools import DevToolsUnavailable, browser_websocket_url
from hub.grid.queue import SessionRequest
from hub.grid.session import Session
from hub.keys import BRIDGES, DISTRIBUTOR, SETTINGS, UPSTREAM
from hub.proxy.websocket import (
    UpstreamUnavailable,
    connect_upstream,
    is_websocket_upgrade,
    serve_bridge,
)
from hub.security.policy import check_capabilities, policy_of
from hub.urls import websocket_base
from hub.w3c.capabilities import Capabilities, SessionOptions, process_capabilities
from hub.w3c.errors import InvalidArgument, SessionNotCreated
from hub.w3c.routes import owner_of, wait_for_session

log = logging.getLogger(__name__)

OPTIONS = ("name", "enableVideo", "enableVNC", "screenResolution", "videoName", "timeZone",
           "sessionTimeout")
HEADER_PREFIX = "X-TGGrid-"
CDP_BROWSER = "chrome"
JSON_VERSION = "/cdp/json/version"


def _option(request: web.Request, name: str) -> str | None:
    return (request.query.get(name) or request.headers.get(HEADER_PREFIX + name)
            or request.headers.get(name))


def requested_capabilities(request: web.Request) -> Capabilities:
    """The capabilities a ``/cdp`` request stands for, validated like a WebDriver request's."""
    options = {name: value for name in OPTIONS if (value := _option(request, name))}
    always: dict[str, Any] = {"browserName": CDP_BROWSER, "tggrid:options": options}
    version = _option(request, "browserVersion")
    if version:
        always["browserVersion"] = version
    candidates = process_capabilities({"capabilities": {"alwaysMatch": always}})
    SessionOptions.from_capabilities(candidates[0])
    return candidates[0]


async def json_version(request: web.Request) -> web.Response:
    """What a browser's ``/json/version`` says, but the websocket is the hub's ``/cdp``."""
    base = websocket_base(request, request.app[SETTINGS].public_url)
    url = f"{base}/cdp"
    if request.query_string:
        url += "?" + request.query_string
    version = next((s.get("browserVersion", "") for slots in request.app[DISTRIBUTOR].nodes
                    .values() for s in slots.node.stereotypes
                    if s.get("browserName") == CDP_BROWSER), "")
    body = {"Browser": f"Chrome/{version}", "Protocol-Version": "1.3",
            "webSocketDebuggerUrl": url}
    return web.Response(body=json.dumps(body).encode(), content_type="application/json")


async def _keep_alive(session: Session) -> None:
    """An open websocket is activity: the idle reaper must leave the session alone."""
    interval = max(0.5, min(5.0, session.idle_timeout / 3))
    while True:
        session.touch()
        await asyncio.sleep(interval)


async def _end(request: web.Request, session: Session, reason: str, failed: bool = False,
               by: Caller | None = None) -> None:
    task = asyncio.create_task(request.app[DISTRIBUTOR].end_session(session, reason,
                                                                    failed=failed, by=by))
    await asyncio.shield(task)


async def cdp_websocket(request: web.Request) -> web.StreamResponse:
    """Provision a Chromium, bridge the websocket to it, destroy it when the socket closes."""
    if not is_websocket_upgrade(request):
        raise InvalidArgument("/cdp takes a websocket connection; for the http form read "
                              "/cdp/json/version")
    caps = requested_capabilities(request)
    check_capabilities(policy_of(request.app), [caps])
    request.app[DISTRIBUTOR].check_satisfiable([caps])
    session = await wait_for_session(
        request, SessionRequest([caps], kind="cdp", owner=owner_of(request),
                                client=caller_of(request)))
    client = request.app[UPSTREAM]
    try:
        url = await browser_websocket_url(client, session.node_session)
        upstream = await connect_upstream(client, url)
    except (DevToolsUnavailable, UpstreamUnavailable) as error:
        await _end(request, session, f"its DevTools could not be reached: {error}", failed=True)
        raise SessionNotCreated(f"the browser's DevTools could not be reached: {error}") from None
    except BaseException:
        await _end(request, session, "the client went away before the session started")
        raise
    log.info("cdp.session id=%s", session.id)
    keep_alive = asyncio.create_task(_keep_alive(session))
    try:
        return await serve_bridge(request, session, upstream, request.app[BRIDGES], name="cdp",
                                  heartbeat=request.app[SETTINGS].websocket_heartbeat)
    finally:
        keep_alive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keep_alive
        await _end(request, session, "the CDP client disconnected", by=caller_of(request))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/cdp", cdp_websocket)
    app.router.add_get(JSON_VERSION, json_version)
    app.router.add_get(JSON_VERSION + "/", json_version)
