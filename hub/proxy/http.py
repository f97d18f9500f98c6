"""The WebDriver command proxy: the hot path.

Method, body and status go through byte for byte over a keep-alive pool. No database, no
lock, no JSON parsing of ordinary traffic: the only inspection is of a 404 from the driver,
which may mean the browser is gone and the hub's session must end too.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from aiohttp import web
from yarl import URL

from hub.grid.distributor import Distributor
from hub.grid.session import Session
from hub.w3c.errors import InvalidSessionId

log = logging.getLogger(__name__)

FORWARDED_REQUEST_HEADERS = ("Content-Type", "Accept")


def new_client_session() -> aiohttp.ClientSession:
    """The pool every proxied command goes through."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ttl_dns_cache=None)
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
    )


class CommandProxy:
    def __init__(self, client: aiohttp.ClientSession, distributor: Distributor) -> None:
        self.client = client
        self.distributor = distributor

    async def forward(self, request: web.Request, session: Session, tail: str) -> web.Response:
        session.touch()
        target = session.upstream + tail
        if request.query_string:
            target += "?" + request.query_string
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS
                   if name in request.headers}
        body = await request.read() if request.body_exists else None
        try:
            async with self.client.request(
                request.method, URL(target, encoded=True), data=body, headers=headers,
                allow_redirects=False,
            ) as upstream:
                payload = await upstream.read()
                status = upstream.status
                content_type = upstream.headers.get("Content-Type", "application/json")
        except (aiohttp.ClientConnectionError, aiohttp.ServerDisconnectedError) as error:
            reason = f"the node stopped answering ({type(error).__name__}: {error})"
            await self._end_dead(session, reason)
            raise InvalidSessionId(f"session {session.id} has ended: {reason}") from None
        session.touch()
        if status == 404 and request.method != "DELETE" and _says_session_gone(payload):
            await self._end_dead(session, "the browser went away (the driver no longer knows it)")
        return web.Response(status=status, body=payload, headers={"Content-Type": content_type})

    async def _end_dead(self, session: Session, reason: str) -> None:
        log.warning("session.node_lost id=%s reason=%s", session.id, reason)
        task = asyncio.create_task(self.distributor.end_session(session, reason, failed=True))
        await asyncio.shield(task)


def _says_session_gone(payload: bytes) -> bool:
    try:
        return json.loads(payload)["value"]["error"] == "invalid session id"
    except (ValueError, KeyError, TypeError):
        return False
