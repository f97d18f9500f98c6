"""A lean HTTP/1.1 client for the command proxy's hot path.

A general client (aiohttp's) costs about a millisecond per request in Python; WebDriver
commands to a node are small, keep-alive, request/response and nothing else, so this keeps
a pool of idle connections per node and parses answers with llhttp (``httptools``). It does
no redirects, no cookies, no decompression: bytes in, bytes out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict, deque

import httptools

# Headers the hub does not pass on (see docs/webdriver-conformance.md): the hop-by-hop ones
# (RFC 9110 section 7.6.1) describe this connection only, Content-Length is recomputed for the
# client's connection, Date and Server are the hub's own, as the server the client talks to.
NOT_FORWARDED = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"te",
    b"trailer", b"upgrade", b"content-length", b"date", b"server",
})


class UpstreamError(ConnectionError):
    """The node closed or refused the connection before answering."""


class UpstreamResponse:
    __slots__ = ("body", "content_type", "headers", "keep_alive", "status")

    def __init__(self, status: int, content_type: str, body: bytes, keep_alive: bool,
                 headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        self.keep_alive = keep_alive
        # The end-to-end headers of the answer, in order (Content-Type among them).
        self.headers = headers if headers is not None else [("Content-Type", content_type)]


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[UpstreamResponse] | None = None
        self.closed = False
        self.received_any = False
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._content_type = "application/json"
        self._headers: list[tuple[str, str]] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"malformed answer from the node: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(UpstreamError(f"the node closed the connection ({exc or 'EOF'})"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered in NOT_FORWARDED:
            return
        text = value.decode("latin-1")
        if lowered == b"content-type":
            self._content_type = text
        self._headers.append((name.decode("latin-1"), text))

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        response = UpstreamResponse(
            self._parser.get_status_code(), self._content_type, b"".join(self._chunks),
            self._parser.should_keep_alive(), self._headers,
        )
        self._chunks = []
        self._content_type = "application/json"
        self._headers = []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)

    def send(self, payload: bytes) -> asyncio.Future[UpstreamResponse]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.received_any = False
        self.transport.write(payload)
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """Idle keep-alive connections per node address."""

    def __init__(self, max_idle_per_host: int = 32) -> None:
        self._idle: defaultdict[tuple[str, int], deque[_Connection]] = defaultdict(deque)
        self._max_idle = max_idle_per_host

    async def _connect(self, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, host, port)
        except OSError as error:
            raise UpstreamError(f"cannot connect to the node at {host}:{port}: {error}") from None
        return connection

    def _idle_connection(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle[key]
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    async def request(
        self, method: str, host: str, port: int, target: str, body: bytes | None,
        content_type: str | None = None, *, host_header: str | None = None,
        extra_head: str = "",
    ) -> UpstreamResponse:
        """Send one request; a reused connection that turns out dead is retried once fresh.
        ``host_header`` replaces ``Host``, ``extra_head`` adds header lines (each ending
        CRLF): a hub forwarding to another hub passes the client's on."""
        head = [f"{method} {target} HTTP/1.1\r\nHost: {host_header or f'{host}:{port}'}\r\n",
                extra_head]
        if body is not None or method in {"POST", "PUT", "PATCH"}:
            head.append(f"Content-Length: {len(body or b'')}\r\n")
            if content_type:
                head.append(f"Content-Type: {content_type}\r\n")
        head.append("\r\n")
        payload = "".join(head).encode("latin-1") + (body or b"")
        key = (host, port)
        connection = self._idle_connection(key)
        reused = connection is not None
        if connection is None:
            connection = await self._connect(host, port)
        try:
            response = await connection.send(payload)
        except UpstreamError:
            if not (reused and not connection.received_any):
                raise
            connection = await self._connect(host, port)
            response = await connection.send(payload)
        except BaseException:
            connection.close()  # cancelled mid-request: the answer would desynchronise it
            raise
        if response.keep_alive and len(self._idle[key]) < self._max_idle:
            self._idle[key].append(connection)
        else:
            connection.close()
        return response

    def forget(self, host: str, port: int) -> None:
        """Close idle connections to a node that went away."""
        for connection in self._idle.pop((host, port), ()):
            connection.close()

    async def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        with contextlib.suppress(Exception):
            await asyncio.sleep(0)
