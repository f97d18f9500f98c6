"""What every node that runs the browser images (containers/) shares: Docker and Kubernetes.

An image runs ``containers/common/entrypoint.sh``, configured by environment variables, and
serves the driver on 4444, VNC on 5900 and the browser's DevTools/BiDi on 9229 (forwarded from
the loopback-only 9222). The nodes differ only in where those ports are reached: published
127.0.0.1 ports of a container, or a Pod's address inside the cluster.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from yarl import URL

from hub.nodes import driver_http, liveness
from hub.nodes.base import Node, NodeSession, SessionStartError
from hub.nodes.browsers import BrowserInstall
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
IMAGE_PORTS = {DRIVER_PORT: 4444, VNC_PORT: 5900, DEVTOOLS_PORT: 9229}
BROWSER_DEBUG_PORT = 9222  # Chromium's --remote-debugging-port, geckodriver's --websocket-port
VIDEO_NAME = "video.mp4"  # inside the image's /recordings; the hub's name is hub.media.naming's

# A reason the browser cannot come up any more (it stopped, its Pod failed), or None.
Problem = Callable[[], Awaitable[str | None]]


def environment(options: SessionOptions) -> dict[str, str]:
    """The entrypoint's settings for one session (the client's ``env`` first, ours win)."""
    width, height, depth = options.screen_resolution
    return {
        **options.env,
        "SCREEN_WIDTH": str(width), "SCREEN_HEIGHT": str(height), "SCREEN_DEPTH": str(depth),
        "ENABLE_VNC": "1" if options.enable_vnc else "0",
        "ENABLE_RECORDING": "1" if options.enable_video else "0",
        "VIDEO_NAME": VIDEO_NAME, "VIDEO_FRAME_RATE": str(options.video_frame_rate),
        "TZ": options.time_zone or "UTC",
    }


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


def address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 Pod address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def private_endpoints(returned: Capabilities, host: str,
                      ports: dict[str, int]) -> dict[str, str]:
    """``cdp`` and ``bidi`` on ``host`` and the ports the image's ports are reached on."""
    # chromedriver names its own BiDi websocket after the Host it was asked on (the
    # reached port); geckodriver names Firefox's, on the loopback port inside.
    inside = {4444: ports[DRIVER_PORT], ports[DRIVER_PORT]: ports[DRIVER_PORT],
              BROWSER_DEBUG_PORT: ports[DEVTOOLS_PORT]}
    endpoints = {}
    debugger = returned.get("goog:chromeOptions", {}).get("debuggerAddress")
    if isinstance(debugger, str) and debugger.endswith(f":{BROWSER_DEBUG_PORT}"):
        endpoints["cdp"] = f"http://{address(host, ports[DEVTOOLS_PORT])}"
    bidi = returned.get("webSocketUrl")
    port = URL(bidi).port if isinstance(bidi, str) else None
    if isinstance(bidi, str) and port is not None and port in inside:
        endpoints["bidi"] = f"ws://{address(host, inside[port])}{URL(bidi).raw_path}"
    return endpoints


async def wait_ready(
    http: aiohttp.ClientSession, url: str, limit: float, problem: Problem, what: str
) -> None:
    """Poll the driver's /status; fail fast when ``problem`` names one (checked each second).

    ``what`` names the container or Pod in the message of a driver that never answered.
    """
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
            reason = await problem()
            if reason is not None:
                raise SessionStartError(reason, retryable=True)
        await asyncio.sleep(0.2)
    raise SessionStartError(
        f"the driver in {what} did not answer /status within {limit:g} s", retryable=True)


class ImageNode(Node):
    """A node that runs the browser images (Docker, Kubernetes): a pre-started browser is a
    started container or Pod whose driver already holds a session with the pool's launch
    capabilities, and it is alive while its driver still reaches the browser."""

    prestarts = True

    def __init__(self, node_id: str, uri: str, max_sessions: int) -> None:
        super().__init__(node_id, uri, max_sessions)
        # A browser killed inside a running container or Pod: noticed by probing its driver.
        self.liveness = liveness.Watchers()

    @property
    def binaries(self) -> list[str]:
        """The browsers the images hold, where the images put them."""
        return [BINARIES[name] for name in {s.get("browserName") for s in self.stereotypes}
                if isinstance(name, str) and name in BINARIES]

    @property
    @abc.abstractmethod
    def http(self) -> aiohttp.ClientSession:
        """The client the node talks to its drivers with."""

    async def prestart(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        return await self.start_session(capabilities, stereotype, options)

    async def alive(self, session: NodeSession) -> bool:
        return await driver_http.reaches_browser(self.http, session)
