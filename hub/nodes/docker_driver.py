"""Talking to the WebDriver inside a browser container, through its published ports.

Chromium's DevTools and Firefox's BiDi websocket listen on the container's loopback only
(port 9222); the images forward them to 9229 (socat, driver-front.py), which is published
like the driver's 4444, so the hub reaches them as it reaches a local browser's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import aiohttp
from docker.errors import NotFound
from docker.models.containers import Container
from yarl import URL

from hub.nodes import driver_http
from hub.nodes.base import SessionStartError
from hub.nodes.browsers import BrowserInstall
from hub.nodes.docker_engines import ENGINE_ERRORS
from hub.nodes.local import (
    chrome_capabilities,
    firefox_capabilities,
    vendor_args,
    webkit_capabilities,
)
from hub.w3c.capabilities import Capabilities, SessionOptions, driver_capabilities

# WebKitWebDriver finds its default MiniBrowser itself (the path is per architecture).
BINARIES = {"chrome": "/usr/bin/chromium", "firefox": "/usr/bin/firefox-esr", "webkit": ""}
DRIVER_PORT, VNC_PORT, DEVTOOLS_PORT = "4444/tcp", "5900/tcp", "9229/tcp"
BROWSER_DEBUG_PORT = 9222  # Chromium's --remote-debugging-port, geckodriver's --websocket-port


def driver_caps(caps: Capabilities, browser: str, version: str,
                options: SessionOptions) -> Capabilities:
    """The client's capabilities plus the binary and flags the images need (headed)."""
    caps = driver_capabilities(caps)
    install = BrowserInstall(browser, BINARIES[browser], "", version)
    if browser == "firefox":
        return firefox_capabilities(caps, install, headless=False)
    if browser == "webkit":
        return webkit_capabilities(caps, install)
    caps = chrome_capabilities(caps, install, Path("/tmp/tggrid"), headless=False)
    if vendor_args(caps, "goog:chromeOptions") is None:
        return caps  # a shape chromedriver refuses itself
    # A debugging port the client chose means nothing outside the container: only the
    # image's one is forwarded, so it replaces the client's (and se:cdp keeps working).
    args = [arg for arg in caps["goog:chromeOptions"]["args"]
            if str(arg).split("=", 1)[0] != "--remote-debugging-port"]
    width, height, _ = options.screen_resolution
    for flag, value in (("--window-position", "0,0"), ("--window-size", f"{width},{height}"),
                        ("--remote-debugging-port", str(BROWSER_DEBUG_PORT))):
        if not any(str(arg).split("=", 1)[0] == flag for arg in args):
            args.append(f"{flag}={value}")
    caps["goog:chromeOptions"]["args"] = args
    return caps


def private_endpoints(returned: Capabilities, ports: dict[str, int]) -> dict[str, str]:
    """``cdp`` and ``bidi`` on the published ports, from what the driver said inside."""
    # chromedriver names its own BiDi websocket after the Host it was asked on (the
    # published port); geckodriver names Firefox's, on the loopback port inside.
    inside = {4444: ports[DRIVER_PORT], ports[DRIVER_PORT]: ports[DRIVER_PORT],
              BROWSER_DEBUG_PORT: ports[DEVTOOLS_PORT]}
    endpoints = {}
    debugger = returned.get("goog:chromeOptions", {}).get("debuggerAddress")
    if isinstance(debugger, str) and debugger.endswith(f":{BROWSER_DEBUG_PORT}"):
        endpoints["cdp"] = f"http://127.0.0.1:{ports[DEVTOOLS_PORT]}"
    bidi = returned.get("webSocketUrl")
    if isinstance(bidi, str) and URL(bidi).port in inside:
        endpoints["bidi"] = f"ws://127.0.0.1:{inside[URL(bidi).port]}{URL(bidi).raw_path}"
    return endpoints

async def wait_ready(
    http: aiohttp.ClientSession, url: str, container: Container, limit: float
) -> None:
    """Poll the driver's /status; fail fast when the container stops."""
    deadline = time.monotonic() + limit
    next_check = 0.0
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            async with http.get(f"{url}/status",
                                      timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status == 200:
                    return
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + 1
            state = await asyncio.to_thread(_state, container)
            if state not in {"created", "running", "restarting"}:
                raise SessionStartError(
                    f"container {container.short_id} {state} before its driver was ready: "
                    f"{await asyncio.to_thread(_logs, container)}", retryable=True)
        await asyncio.sleep(0.2)
    raise SessionStartError(
        f"the driver in container {container.short_id} did not answer /status within "
        f"{limit:g} s", retryable=True)

def _state(container: Container) -> str:
    try:
        container.reload()
    except NotFound:
        return "removed"
    except ENGINE_ERRORS:
        return "running"  # the engine is busy; the /status deadline still holds
    return str(container.status)

def _logs(container: Container) -> str:
    with contextlib.suppress(*ENGINE_ERRORS):
        return container.logs(tail=20).decode(errors="replace").strip()[-2000:]
    return ""

async def create_session(
    http: aiohttp.ClientSession, url: str, caps: Capabilities, limit: float
) -> tuple[str, Capabilities]:
    """POST /session to the container's driver; unreachable means try another engine."""

    def unreachable(error: str) -> SessionStartError:
        return SessionStartError(
            f"the container's driver failed to create the session ({error})", retryable=True)

    return await driver_http.create_session(http, url, caps, limit, unreachable)
