"""Websocket bridges: a client's websocket joined to a browser's or driver's (CDP, BiDi).

Message for message, text stays text and binary stays binary, in order. Each direction reads
its next message only after the previous one was sent (and drained), so a slow reader stalls
its peer through TCP instead of making the hub buffer. Close codes pass through; either side
closing closes the other; :class:`Bridges` closes a session's bridges when the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web

if TYPE_CHECKING:
    from hub.grid.session import Session

log = logging.getLogger(__name__)

MAX_MESSAGE = 256 * 1024 * 1024  # a full-page screenshot is one CDP message
CONNECT_TIMEOUT = 30.0
CLOSE_TIMEOUT = 5.0
_NOT_SENDABLE = {1004, 1005, 1006, 1015}

# The hub's upstream websockets keep text frames as bytes (decode_text=False).
UpstreamWebSocket = aiohttp.ClientWebSocketResponse[Literal[False]]
AnyWebSocket = web.WebSocketResponse | UpstreamWebSocket


# (from the client?, the message's bytes); None: the bridge closed.
FrameTap = Callable[[bool, "bytes | None"], None]
# The timeline's capture (hub/timeline): (session, bridge, kind, from the client?, bytes).
BridgeTap = Callable[["Session", object, str, bool, "bytes | None"], None]


class UpstreamUnavailable(Exception):
    """The browser's or driver's websocket could not be opened; says why."""


def is_websocket_upgrade(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


async def connect_upstream(
    client: aiohttp.ClientSession, url: str
) -> UpstreamWebSocket:
    """Open the private side first, so a failure is still an HTTP error for the client."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await client.ws_connect(
                url, autoclose=False, autoping=True, max_msg_size=MAX_MESSAGE, compress=0,
                decode_text=False,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_TIMEOUT),
            )
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise UpstreamUnavailable(f"{type(error).__name__}: {error}") from None


def client_websocket(heartbeat: float | None,
                     protocols: tuple[str, ...] = ()) -> web.WebSocketResponse:
    """The public side: no compression, text left undecoded (latency); pings notice
    clients that vanished."""
    return web.WebSocketResponse(autoclose=False, autoping=True, compress=False,
                                 max_msg_size=MAX_MESSAGE, heartbeat=heartbeat or None,
                                 timeout=CLOSE_TIMEOUT, decode_text=False, protocols=protocols)


def sendable(code: int | None, fallback: int) -> int:
    """Codes a peer may put in a close frame (1005/1006 only describe what happened)."""
    if code is None or code in _NOT_SENDABLE or not (1000 <= code <= 1014 or
                                                        3000 <= code <= 4999):
        return fallback
    return code


def _reason(text: str) -> bytes:
    return text.encode()[:123]  # the protocol's limit for a close reason


class _Ended:
    """How one direction ended: which socket closed it, with what code and reason."""

    def __init__(self, closer: AnyWebSocket, code: int | None, reason: str = "",
                 clean: bool = False) -> None:
        self.closer, self.code, self.reason, self.clean = closer, code, reason, clean


async def _pump(source: AnyWebSocket, target: AnyWebSocket,
                on_message: Callable[[], None] | None,
                tap: Callable[[bytes], None] | None = None) -> _Ended:
    while True:
        try:
            message = await source.receive()
        except (ConnectionError, RuntimeError) as error:
            log.debug("websocket.receive_failed error=%s", error)
            return _Ended(source, None)
        kind = message.type
        try:
            if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
                await target.send_frame(message.data, kind)  # text stays undecoded bytes
                if tap is not None and kind is WSMsgType.TEXT:
                    tap(message.data)
            elif kind is WSMsgType.CLOSE:
                return _Ended(source, message.data, message.extra or "", clean=True)
            elif kind in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return _Ended(source, source.close_code)
        except (ConnectionError, RuntimeError) as error:  # the target went away mid-send
            log.debug("websocket.send_failed error=%s", error)
            return _Ended(target, None)
        if on_message is not None:
            on_message()


async def _close(ws: AnyWebSocket, code: int, reason: bytes) -> None:
    if ws.closed:
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await ws.close(code=code, message=reason)


class Bridge:
    """One client websocket joined to one upstream websocket until either side closes."""

    def __init__(self, client: web.WebSocketResponse,
                 upstream: UpstreamWebSocket, name: str) -> None:
        self.client = client
        self.upstream = upstream
        self.name = name
        self._stop: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    def close(self, code: int, reason: str) -> None:
        """Ask a running bridge to close both sides (the session ended, the hub stops)."""
        if not self._stop.done():
            self._stop.set_result((code, reason))

    async def run(self, on_message: Callable[[], None] | None = None,
                  tap: FrameTap | None = None) -> None:
        """Pump both ways; return once both sides are closed. ``tap(from_client, data)``
        sees each text message after it was passed on."""
        sent, received = ((functools.partial(tap, True), functools.partial(tap, False))
                          if tap is not None else (None, None))
        pumps = (asyncio.create_task(_pump(self.client, self.upstream, on_message, sent)),
                 asyncio.create_task(_pump(self.upstream, self.client, on_message, received)))
        try:
            waiting: set[asyncio.Future[Any]] = {*pumps, self._stop}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self.close(WSCloseCode.GOING_AWAY, "the hub is stopping")
            await self._shut(pumps)
            raise
        await self._shut(pumps)

    async def _shut(self, pumps: tuple[asyncio.Task[_Ended], ...]) -> None:
        """Close the side still open with the code the other side closed with, echo it to
        the closer, then let the pumps finish (they wake on the close)."""
        first, code, reason = self._outcome(pumps)
        second = self.client if first is self.upstream else self.upstream
        await _close(first, code, _reason(reason))
        await _close(second, code, _reason(reason))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await asyncio.wait(pumps)
        for task in pumps:
            task.cancel()
        for result in await asyncio.gather(*pumps, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("websocket.pump_failed kind=%s error=%r", self.name, result)

    def _outcome(self, pumps: tuple[asyncio.Task[_Ended], ...]) -> tuple[AnyWebSocket, int, str]:
        """(the socket to close first, the close code, the reason)."""
        if self._stop.done():
            code, reason = self._stop.result()
            return self.upstream, code, reason
        finished = [task.result() for task in pumps
                    if task.done() and not task.cancelled() and task.exception() is None]
        if not finished:  # a pump failed in a way it does not expect; _shut logs it
            return self.client, WSCloseCode.INTERNAL_ERROR, "the hub's bridge failed"
        ended = finished[0]
        if ended.closer is self.client:
            return self.upstream, sendable(ended.code, WSCloseCode.GOING_AWAY), ended.reason
        reason = (ended.reason if ended.clean
                  else f"the browser side dropped the {self.name} connection")
        return self.client, sendable(ended.code, WSCloseCode.INTERNAL_ERROR), reason


class Bridges:
    """Every open bridge, by session. As a registry listener it closes a session's bridges
    when the session ends, whatever ended it; ``close_all`` is for the hub's shutdown.

    A bridge runs in its own task: aiohttp cancels a handler whose client disconnected,
    and the close handshake with the browser must still finish.
    """

    def __init__(self) -> None:
        self._open: dict[str, dict[Bridge, asyncio.Task[None]]] = {}
        self.tap: BridgeTap | None = None  # the timeline, when on

    def __len__(self) -> int:
        return sum(len(bridges) for bridges in self._open.values())

    def of(self, session_id: str) -> set[Bridge]:
        return set(self._open.get(session_id, ()))

    def start(self, session: Session, bridge: Bridge) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run(session, bridge))
        self._open.setdefault(session.id, {})[bridge] = task
        if session.ended:
            bridge.close(WSCloseCode.GOING_AWAY, f"session ended: {session.end_reason}")
        return task

    async def _run(self, session: Session, bridge: Bridge) -> None:
        log.info("websocket.open kind=%s id=%s", bridge.name, session.id)
        tap = self.tap
        try:
            await bridge.run(session.touch, None if tap is None else functools.partial(
                tap, session, bridge, bridge.name))
        finally:
            if tap is not None:
                tap(session, bridge, bridge.name, False, None)
            bridges = self._open.get(session.id, {})
            bridges.pop(bridge, None)
            if not bridges:
                self._open.pop(session.id, None)
            log.info("websocket.closed kind=%s id=%s client_code=%s upstream_code=%s",
                     bridge.name, session.id, bridge.client.close_code,
                     bridge.upstream.close_code)

    async def session_started(self, session: Session) -> None:
        return None

    async def session_ended(self, session: Session) -> None:
        for bridge in self.of(session.id):
            bridge.close(WSCloseCode.GOING_AWAY, f"session ended: {session.end_reason}")

    async def close_all(self, reason: str) -> None:
        tasks = [task for bridges in self._open.values() for task in bridges.values()]
        for bridges in list(self._open.values()):
            for bridge in bridges:
                bridge.close(WSCloseCode.GOING_AWAY, reason)
        await asyncio.gather(*tasks, return_exceptions=True)


async def serve_bridge(
    request: web.Request, session: Session, upstream: UpstreamWebSocket,
    bridges: Bridges, *, name: str, heartbeat: float | None,
) -> web.WebSocketResponse:
    """Upgrade the client's request and bridge it to ``upstream`` until either side closes."""
    ws = client_websocket(heartbeat)
    try:
        await ws.prepare(request)
    except BaseException:
        await _close(upstream, WSCloseCode.GOING_AWAY, b"")
        raise
    bridge = Bridge(ws, upstream, name)
    await hold(bridge, bridges.start(session, bridge))
    return ws


async def hold(bridge: Bridge, task: asyncio.Task[None]) -> None:
    """Wait for the task running ``bridge``; a cancelled handler (the client went away)
    asks the bridge to close both sides, which its own task still does."""
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        bridge.close(WSCloseCode.GOING_AWAY, "the client went away")
        raise
