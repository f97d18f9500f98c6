"""The relay node: sessions passed through to an upstream WebDriver URL.

The upstream may be a chromedriver, a geckodriver or another grid (``.../wd/hub`` works): the
relay creates the session there and the command proxy talks to it directly. It runs nothing
itself, so its health is whether the upstream answers ``/status``; a session whose upstream
browser died while its client was silent is noticed by probing it (:mod:`hub.nodes.liveness`).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import aiohttp

from hub.nodes import driver_http, liveness
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
        self.liveness = liveness.Watchers()  # the upstream's browser dying while all is quiet

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
        await self.liveness.close()
        if self._http is not None:
            await self._http.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "RelayNode.start() was not awaited"
        return self._http

    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        def unreachable(error: str) -> SessionStartError:
            return SessionStartError(f"relay {self.uri} did not answer: {error}", retryable=True)

        session_id, returned = await driver_http.create_session(
            self.http, self.uri, capabilities, self.start_timeout, unreachable)
        session = NodeSession(session_id, self.uri, returned, stereotype,
                              endpoints=driver_http.driver_endpoints(returned))
        self.liveness.start(self.http, session)
        return session

    async def stop_session(self, session: NodeSession) -> None:
        await self.liveness.stop(session)
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
