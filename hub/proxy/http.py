"""The WebDriver command proxy: the hot path.

Method, body and status go through byte for byte over a keep-alive pool, and so do the
driver's end-to-end headers (``Content-Type``, ``Cache-Control``, ...); what is dropped and
why is in ``hub.proxy.upstream.NOT_FORWARDED`` and docs/webdriver-conformance.md. No
database, no lock, no JSON parsing of ordinary traffic: the only inspection is of a 404 from
the driver, which may mean the browser is gone and the hub's session must end too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from hub.proxy.upstream import UpstreamError, UpstreamPool
from hub.w3c.errors import JSON_CONTENT_TYPE, InvalidSessionId

if TYPE_CHECKING:
    from hub.grid.session import Session

# Ends a session whose node or browser is gone, with the reason (the grid's end_session).
EndLost = Callable[["Session", str], Awaitable[object]]
# The timeline's capture: (session, method, tail, body, epoch it began, status, answer bytes).
StepTap = Callable[["Session", str, str, "bytes | None", float, int, bytes], None]

log = logging.getLogger(__name__)

def new_client_session() -> aiohttp.ClientSession:
    """The general-purpose client for the hub's own calls to nodes (not the command path)."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ttl_dns_cache=None)
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
    )


class CommandProxy:
    def __init__(self, end_lost: EndLost, pool: UpstreamPool | None = None) -> None:
        self._end_lost = end_lost
        self.pool = pool or UpstreamPool()
        # Metrics hook: seconds each command took at the node (one histogram observe).
        self.observe: Callable[[float], None] | None = None
        # Timeline hook (hub/timeline): keeps what is in memory already, parses nothing here.
        self.steps: StepTap | None = None

    async def forward(self, request: web.Request, session: Session, tail: str) -> web.Response:
        session.node_session.commands += 1  # the node's liveness probe waits for silence
        try:
            return await self._forward(request, session, tail)
        finally:
            session.node_session.commands -= 1

    async def _forward(self, request: web.Request, session: Session, tail: str) -> web.Response:
        session.touch()
        host, port, prefix = session.upstream_address
        target = prefix + tail
        if request.query_string:
            target += "?" + request.query_string
        body = await request.read() if request.body_exists else None
        began = time.perf_counter()
        started = time.time()
        try:
            upstream = await self.pool.request(
                request.method, host, port, target, body, request.headers.get("Content-Type")
            )
        except UpstreamError as error:
            reason = f"the node stopped answering ({error})"
            await self._end_dead(session, reason)
            raise InvalidSessionId(f"session {session.id} has ended: {reason}") from None
        session.touch()
        if self.observe is not None:
            self.observe(time.perf_counter() - began)
        if (upstream.status == 404 and request.method != "DELETE"
                and _says_session_gone(upstream.body)):
            await self._end_dead(session, "the browser went away (the driver no longer knows it)")
        if self.steps is not None:
            self.steps(session, request.method, tail, body, started, upstream.status,
                       upstream.body)
        headers = CIMultiDict(upstream.headers)
        if "Content-Type" not in headers:
            headers["Content-Type"] = JSON_CONTENT_TYPE
        return web.Response(status=upstream.status, body=upstream.body, headers=headers)

    async def _end_dead(self, session: Session, reason: str) -> None:
        log.warning("session.node_lost id=%s reason=%s", session.id, reason)
        task = asyncio.ensure_future(self._end_lost(session, reason))
        await asyncio.shield(task)

    # A registry listener: a session's driver address is its own (a port per driver or
    # container), so its idle connections go when it ends.
    async def session_started(self, session: Session) -> None:
        pass

    async def session_ended(self, session: Session) -> None:
        host, port, _ = session.upstream_address
        self.pool.forget(host, port)

    async def close(self) -> None:
        await self.pool.close()


def _says_session_gone(payload: bytes) -> bool:
    try:
        return json.loads(payload)["value"]["error"] == "invalid session id"
    except (ValueError, KeyError, TypeError):
        return False
