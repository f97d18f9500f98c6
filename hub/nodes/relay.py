"""The relay node: sessions passed through to an upstream WebDriver URL.

The upstream may be a chromedriver, a geckodriver or another grid (``.../wd/hub`` works): the
relay creates the session there and the command proxy talks to it directly. It runs nothing
itself, so its health is whether the upstream answers ``/status``.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import aiohttp

from hub.nodes.base import Node, NodeHealth, NodeSession, SessionStartError
from hub.w3c.capabilities import Capabilities, SessionOptions

DEFAULT_STEREOTYPES: list[Capabilities] = [{"browserName": "chrome"}]


class RelayNode(Node):
    kind = "relay"

    def __init__(
        self, node_id: str, url: str, *, max_sessions: int = 1,
        stereotypes: list[Capabilities] | None = None, start_timeout: float = 60.0,
    ) -> None:
        super().__init__(node_id, url.rstrip("/"), max_sessions)
        self._stereotypes = stereotypes or [dict(s) for s in DEFAULT_STEREOTYPES]
        self.start_timeout = start_timeout
        self._http: aiohttp.ClientSession | None = None
        self.last_health_ms = 0.0

    @property
    def stereotypes(self) -> list[Capabilities]:
        return self._stereotypes

    def describe(self) -> dict[str, Any]:
        """What is persisted to bring the node back after a restart."""
        return {"id": self.id, "url": self.uri, "maxSessions": self.max_sessions,
                "stereotypes": self._stereotypes}

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None,
                                                                          sock_connect=5))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "RelayNode.start() was not awaited"
        return self._http

    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        body = {"capabilities": {"alwaysMatch": capabilities, "firstMatch": [{}]}}
        try:
            async with self.http.post(
                f"{self.uri}/session", json=body,
                timeout=aiohttp.ClientTimeout(total=self.start_timeout),
            ) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SessionStartError(
                f"relay {self.uri} did not answer: {error or type(error).__name__}",
                retryable=True) from None
        try:
            value = json.loads(text)["value"]
        except (ValueError, KeyError, TypeError):
            raise SessionStartError(f"relay answered {response.status}: {text[:500]}") from None
        if response.status != 200 or not isinstance(value, dict) or "sessionId" not in value:
            message = value.get("message") if isinstance(value, dict) else None
            raise SessionStartError(message or f"relay answered {response.status}: {text[:500]}")
        returned: Capabilities = value.get("capabilities") or {}
        session = NodeSession(value["sessionId"], self.uri, returned, stereotype)
        debugger = (returned.get("goog:chromeOptions") or {}).get("debuggerAddress")
        if debugger:
            session.endpoints["cdp"] = f"http://{debugger}"
        if isinstance(returned.get("webSocketUrl"), str):
            session.endpoints["bidi"] = returned["webSocketUrl"]
        return session

    async def stop_session(self, session: NodeSession) -> None:
        if session.quit_sent:
            return
        session.quit_sent = True
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
            async with self.http.delete(f"{self.uri}/session/{session.session_id}",
                                        timeout=aiohttp.ClientTimeout(total=10)) as response:
                await response.read()

    async def health(self) -> NodeHealth:
        began = time.monotonic()
        try:
            async with self.http.get(f"{self.uri}/status",
                                     timeout=aiohttp.ClientTimeout(total=5)) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return NodeHealth(False, f"{self.uri}/status failed: {error or type(error).__name__}")
        self.last_health_ms = (time.monotonic() - began) * 1000
        if status != 200:
            return NodeHealth(False, f"{self.uri}/status answered {status}")
        return NodeHealth(True)

    def metrics(self) -> dict[str, Any]:
        return {"latencyMs": round(self.last_health_ms, 1)}
