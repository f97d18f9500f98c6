"""Forwarding a request for another hub's session to that hub, as the client sent it.

The receiving hub has authenticated the caller already; the owner hub authenticates the same
credentials again and applies its own ownership checks, so forwarding grants nothing a
caller could not get by reaching the owner directly (and needs no trust between hubs beyond
the shared database). ``Host`` and ``Origin`` pass unchanged: hubs behind one load balancer
answer to the same names, so the owner's request guard sees what this hub's saw, and the
URLs it builds (``se:cdp``, the live view) name the address the client used.
The client's address goes in ``X-Forwarded-For`` as this hub resolved it, so an owner that
trusts its peers (``trusted_proxies``) audits the client, never an address the client forged.

WebDriver commands take the lean keep-alive client of the command proxy (the cost of a
mis-routed command is one more loopback hop, ``bench/misrouted_command.py``); everything else
(videos with ``Range``, dashboard pages, the API) is streamed through aiohttp's client, and
websockets (CDP, BiDi, VNC) are bridged message for message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import hdrs, web
from multidict import CIMultiDict

from hub.callers import caller_of
from hub.peers.ids import HOP_HEADER
from hub.proxy.upstream import UpstreamError, UpstreamPool
from hub.proxy.websocket import (
    CLOSE_TIMEOUT,
    CONNECT_TIMEOUT,
    MAX_MESSAGE,
    Bridge,
    client_websocket,
    hold,
)
from hub.w3c.errors import JSON_CONTENT_TYPE

if TYPE_CHECKING:
    from hub.peers.directory import Peer

log = logging.getLogger(__name__)

# What a command carries to the owner hub besides its body: who the caller is and where from.
COMMAND_HEADERS = ("Authorization", "Cookie", "Origin", "Sec-Fetch-Site", "User-Agent",
                   "X-Real-IP")
# Never passed on in either direction (RFC 9110 7.6.1); Content-Length is recomputed.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
    "upgrade", "content-length", "proxy-authorization", "proxy-authenticate", "date",
    "server", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
    "sec-websocket-accept", "sec-websocket-protocol",
})
CHUNK = 256 * 1024


def forwarded_for(request: web.Request) -> str:
    """The client's address as this hub resolved it (its own ``trusted_proxies`` honoured),
    for the owner hub to audit when it trusts this one: never the ``X-Forwarded-For`` the
    client sent, which this hub may not have believed."""
    return caller_of(request).ip or "unknown"


class PeerUnreachable(Exception):
    """The owner hub refused or dropped the connection before answering."""


class PeerRefused(Exception):
    """The owner hub refused a websocket handshake (unknown session, no credentials...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PeerForwarder:
    def __init__(self, own_id: str, client: aiohttp.ClientSession) -> None:
        self._own_id = own_id
        self._client = client
        self.pool = UpstreamPool()
        self._bridges: set[asyncio.Task[None]] = set()

    def _hop(self, request: web.Request) -> str:
        lines = [f"{HOP_HEADER}: {self._own_id}\r\n",
                 f"X-Forwarded-For: {forwarded_for(request)}\r\n"]
        headers = request.headers
        for name in COMMAND_HEADERS:
            value = headers.get(name)
            if value is not None:
                lines.append(f"{name}: {value}\r\n")
        return "".join(lines)

    async def command(self, request: web.Request, peer: Peer) -> web.Response:
        """A WebDriver command, answered as the owner hub answered it."""
        body = await request.read() if request.body_exists else None
        try:
            upstream = await self.pool.request(
                request.method, peer.host, peer.port, request.raw_path, body,
                request.headers.get("Content-Type"), host_header=request.host,
                extra_head=self._hop(request))
        except UpstreamError as error:
            self.pool.forget(peer.host, peer.port)
            raise PeerUnreachable(str(error).replace("the node", "the hub")) from None
        headers = CIMultiDict(upstream.headers)
        if "Content-Type" not in headers:
            headers["Content-Type"] = JSON_CONTENT_TYPE
        return web.Response(status=upstream.status, body=upstream.body, headers=headers)

    def _headers(self, request: web.Request) -> CIMultiDict[str]:
        headers = CIMultiDict((name, value) for name, value in request.headers.items()
                              if name.lower() not in HOP_BY_HOP)
        headers[HOP_HEADER] = self._own_id
        headers["X-Forwarded-For"] = forwarded_for(request)
        return headers

    async def stream(self, request: web.Request, peer: Peer) -> web.StreamResponse:
        """Any other HTTP request (a video with ``Range``, a page, the API), streamed."""
        body = await request.read() if request.body_exists else None
        try:
            upstream = await self._client.request(
                request.method, peer.url + request.raw_path, headers=self._headers(request),
                data=body, allow_redirects=False, skip_auto_headers=("Content-Type",))
        except (aiohttp.ClientConnectionError, OSError) as error:
            raise PeerUnreachable(f"{type(error).__name__}: {error}") from None
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    response.headers.add(name, value)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(CHUNK):
                await response.write(chunk)
            await response.write_eof()
        return response

    async def websocket(self, request: web.Request, peer: Peer) -> web.StreamResponse:
        """A CDP, BiDi or VNC websocket: the owner hub's, bridged to the client's."""
        url = "ws" + peer.url[len("http"):] + request.raw_path
        wanted = tuple(p.strip() for p in request.headers.get(
            hdrs.SEC_WEBSOCKET_PROTOCOL, "").split(",") if p.strip())
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                upstream = await self._client.ws_connect(
                    url, autoclose=False, autoping=True, max_msg_size=MAX_MESSAGE, compress=0,
                    decode_text=False, headers=self._headers(request), protocols=wanted,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_TIMEOUT))
        except aiohttp.WSServerHandshakeError as error:  # the owner answered: its refusal
            raise PeerRefused(error.status, error.message) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise PeerUnreachable(f"{type(error).__name__}: {error}") from None
        ws = client_websocket(None, (upstream.protocol,) if upstream.protocol else ())
        try:
            await ws.prepare(request)
        except BaseException:
            await upstream.close()
            raise
        bridge = Bridge(ws, upstream, "peer")
        task = asyncio.create_task(bridge.run())
        self._bridges.add(task)
        task.add_done_callback(self._bridges.discard)
        await hold(bridge, task)
        return ws

    async def close(self) -> None:
        for task in list(self._bridges):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._bridges, return_exceptions=True)
        await self.pool.close()
