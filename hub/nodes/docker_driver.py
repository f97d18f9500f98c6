"""Talking to the WebDriver inside a browser container, through its published ports.

Chromium's DevTools and Firefox's BiDi websocket listen on the container's loopback only
(port 9222); the images forward them to 9229 (socat, driver-front.py), which is published
like the driver's 4444, so the hub reaches them as it reaches a local browser's.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from docker.errors import NotFound
from docker.models.containers import Container

from hub.nodes import browser_image, driver_http
from hub.nodes.base import SessionStartError
from hub.nodes.browser_image import (  # noqa: F401 - shared with the Kubernetes node
    BROWSER_DEBUG_PORT,
    DEVTOOLS_PORT,
    DRIVER_PORT,
    VNC_PORT,
    driver_caps,
)
from hub.nodes.docker_engines import ENGINE_ERRORS
from hub.w3c.capabilities import Capabilities


def private_endpoints(returned: Capabilities, ports: dict[str, int]) -> dict[str, str]:
    """``cdp`` and ``bidi`` on the published 127.0.0.1 ports."""
    return browser_image.private_endpoints(returned, "127.0.0.1", ports)


async def wait_ready(
    http: aiohttp.ClientSession, url: str, container: Container, limit: float
) -> None:
    """Poll the driver's /status; fail fast when the container stops."""

    async def stopped() -> str | None:
        state = await asyncio.to_thread(_state, container)
        if state in {"created", "running", "restarting"}:
            return None
        return (f"container {container.short_id} {state} before its driver was ready: "
                f"{await asyncio.to_thread(_logs, container)}")

    await browser_image.wait_ready(http, url, limit, stopped, f"container {container.short_id}")


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
