"""The two WebDriver calls every kind of node makes to a driver it started or relays to."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import aiohttp

from hub.nodes.base import NodeSession, SessionStartError
from hub.w3c.capabilities import Capabilities

Unreachable = Callable[[str], SessionStartError]


async def create_session(
    http: aiohttp.ClientSession, url: str, caps: Capabilities, limit: float,
    unreachable: Unreachable,
) -> tuple[str, Capabilities]:
    """POST /session: (session id, returned capabilities), or the driver's own refusal.

    ``unreachable`` turns a connection failure into the node's error (with its log, or
    marked retryable), since only the node knows what it means there.
    """
    body = {"capabilities": {"alwaysMatch": caps, "firstMatch": [{}]}}
    try:
        async with http.post(f"{url}/session", json=body,
                             timeout=aiohttp.ClientTimeout(total=limit)) as response:
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise unreachable(str(error) or type(error).__name__) from None
    try:
        value = json.loads(text)["value"]
    except (ValueError, KeyError, TypeError):
        raise SessionStartError(f"driver answered {response.status}: {text[:500]}") from None
    if response.status != 200 or not isinstance(value, dict) or "sessionId" not in value:
        refusal = value if isinstance(value, dict) else {}
        message = refusal.get("message")
        raise SessionStartError(
            message if isinstance(message, str) and message
            else f"driver answered {response.status}: {text[:500]}",
            code=str(refusal.get("error") or "session not created"),
            stacktrace=str(refusal.get("stacktrace") or ""),
        )
    return value["sessionId"], value.get("capabilities") or {}


async def reaches_browser(http: aiohttp.ClientSession, session: NodeSession) -> bool:
    """The driver still answers for the session's window (a killed browser fails this)."""
    if session.died.is_set():
        return False
    try:
        async with http.get(f"{session.url}/session/{session.session_id}/window",
                            timeout=aiohttp.ClientTimeout(total=5)) as response:
            await response.read()
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError, OSError):
        return False


async def quit(http: aiohttp.ClientSession, session: NodeSession) -> None:
    """Ask the driver to end the session (so the browser closes cleanly); never raises."""
    if session.quit_sent or session.died.is_set():
        return
    session.quit_sent = True
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
        async with http.delete(f"{session.url}/session/{session.session_id}",
                               timeout=aiohttp.ClientTimeout(total=10)) as reply:
            await reply.read()


def driver_endpoints(returned: Capabilities) -> dict[str, str]:
    """The driver's own DevTools and BiDi addresses, for the hub's bridges (never clients)."""
    endpoints = {}
    debugger = (returned.get("goog:chromeOptions") or {}).get("debuggerAddress")
    if debugger:
        endpoints["cdp"] = f"http://{debugger}"
    if isinstance(returned.get("webSocketUrl"), str):
        endpoints["bidi"] = returned["webSocketUrl"]
    return endpoints
