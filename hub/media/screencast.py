"""Frames of a Chromium session as its page paints: DevTools ``Page.startScreencast``.

x11grab copies the whole screen out of Xvfb many times a second whether or not anything
changed; the screencast makes Chromium send a JPEG only when the page repainted, so a page that
stands still between commands costs next to nothing. It works headless, so a recorded session
without VNC needs no screen at all.

The screencast is per page target: this follows the newest open page (a tab or window the
session opened; when it closes, the one before). A client that switches back to an older tab
that is still open is not followed: the video keeps showing the newest one. A headless
Chromium gives a tab opened later a shorter viewport than the first one; its frames are
letterboxed into the video, not stretched. Chromium sends the next frame only once the
previous one is acknowledged; acknowledging no sooner than ``1 / max_rate`` after a frame caps
the frame rate, and acknowledging only once the frame is handed on passes backpressure from
the encoder to the browser.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from hub import debugger

log = logging.getLogger(__name__)

JPEG_QUALITY = 80
# Chromium sends a screencast frame only when the page paints: a page that last painted before
# the screencast began (the blank page a session starts on) may send none for a long time, so
# when none came this long after the start, the page's picture is asked for once.
FIRST_FRAME_NUDGE = 0.5
# A page target announced while Chromium is still setting it up (the tab chromedriver opens)
# can refuse the screencast ("Not attached to an active page"); it is tried again this often.
FOLLOW_RETRY = 0.2
FOLLOW_ATTEMPTS = 25
MAX_MESSAGE = 64 * 2**20  # a 4K JPEG in base64 is a few MiB

FrameSink = Callable[[bytes], Awaitable[None]]


class ScreencastError(Exception):
    """The browser's DevTools could not be reached or refused the screencast."""


class Screencast:
    """One browser's screencast; ``run()`` hands each frame to ``sink`` until the browser's
    DevTools connection closes (the browser quit or died)."""

    def __init__(self, devtools: str, sink: FrameSink, *, width: int, height: int,
                 max_rate: float) -> None:
        self.devtools = devtools
        self.sink = sink
        self.width = width
        self.height = height
        self.min_interval = 1.0 / max_rate if max_rate > 0 else 0.0
        self.frames = 0
        self._ids = itertools.count(1)
        self._pages: list[str] = []  # page targets, oldest first; the last one is filmed
        self._filmed: tuple[str, str] | None = None  # (target id, DevTools session id)
        self._refusals: dict[str, int] = {}  # target id -> times it refused the screencast
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_ack = 0.0
        self._switching = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, ready: asyncio.Event | None = None) -> None:
        """Connect, film the active page, follow new pages; returns when the browser's
        connection closes. ScreencastError when DevTools cannot be reached at all."""
        async with aiohttp.ClientSession() as client:
            try:
                url = await debugger.browser_websocket(client, self.devtools)
            except debugger.DebuggerUnreachable as error:
                raise ScreencastError(str(error)) from None
            try:
                self._ws = await client.ws_connect(url, max_msg_size=MAX_MESSAGE,
                                                   timeout=aiohttp.ClientWSTimeout(ws_close=5))
            except (aiohttp.ClientError, OSError) as error:
                raise ScreencastError(f"{url}: {type(error).__name__}: {error}") from None
            reader = asyncio.create_task(self._read(self._ws))
            try:
                await self._call("Target.setDiscoverTargets", {"discover": True})
                if ready is not None:
                    ready.set()
                await reader
            finally:
                reader.cancel()
                for task in list(self._tasks):
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.gather(reader, *self._tasks, return_exceptions=True)
                await self._ws.close()
                for future in self._pending.values():
                    future.cancel()

    async def _call(self, method: str, params: dict[str, Any] | None = None,
                    session: str | None = None) -> dict[str, Any]:
        """Send one DevTools command and wait for its answer; ScreencastError on an error."""
        assert self._ws is not None
        message: dict[str, Any] = {"id": next(self._ids), "method": method,
                                   "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message["id"]] = future
        try:
            await self._ws.send_json(message)
            answer = await future
        except (ConnectionError, aiohttp.ClientError) as error:
            raise ScreencastError(f"{method}: {error}") from None
        finally:
            self._pending.pop(message["id"], None)
        if "error" in answer:
            raise ScreencastError(f"{method}: {answer['error']}")
        return answer.get("result") or {}

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = message.json()
            if "id" in data:
                future = self._pending.get(data["id"])
                if future is not None and not future.done():
                    future.set_result(data)
            elif data.get("method") == "Page.screencastFrame":
                self._spawn(self._frame(data["params"], data.get("sessionId", "")))
            elif data.get("method", "").startswith("Target."):
                self._target_event(data["method"], data.get("params") or {})

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("screencast.error devtools=%s error=%s", self.devtools, task.exception())

    def _target_event(self, method: str, params: dict[str, Any]) -> None:
        info = params.get("targetInfo") or {}
        if method == "Target.targetCreated" and info.get("type") == "page":
            self._pages.append(info["targetId"])
        elif method == "Target.targetDestroyed" and params.get("targetId") in self._pages:
            self._pages.remove(params["targetId"])
            self._refusals.pop(params["targetId"], None)
        else:
            return
        self._spawn(self._follow())

    async def _follow(self) -> None:
        """Film the newest page, if that is not the one filmed already."""
        async with self._switching:
            wanted = self._pages[-1] if self._pages else None
            if self._filmed is not None and self._filmed[0] == wanted:
                return
            if self._filmed is not None:
                target, old = self._filmed
                self._filmed = None
                if target in self._pages:  # still open, merely not the newest any more
                    with contextlib.suppress(ScreencastError):
                        await self._call("Page.stopScreencast", session=old)
                        await self._call("Target.detachFromTarget", {"sessionId": old})
            if wanted is None:
                return
            session: str | None = None
            try:
                attached = await self._call("Target.attachToTarget",
                                            {"targetId": wanted, "flatten": True})
                session = attached["sessionId"]
                self._filmed = (wanted, session)
                await self._call("Page.startScreencast", {
                    "format": "jpeg", "quality": JPEG_QUALITY, "maxWidth": self.width,
                    "maxHeight": self.height, "everyNthFrame": 1}, session=session)
            except (ScreencastError, KeyError) as error:  # closed meanwhile, or not ready yet
                self._filmed = None
                if session is not None:
                    with contextlib.suppress(ScreencastError):
                        await self._call("Target.detachFromTarget", {"sessionId": session})
                refusals = self._refusals[wanted] = self._refusals.get(wanted, 0) + 1
                log.info("screencast.follow_failed target=%s attempt=%d error=%s",
                         wanted, refusals, error)
                if wanted in self._pages and refusals < FOLLOW_ATTEMPTS:
                    self._spawn(self._follow_later())
                return
            log.info("screencast.filming target=%s", wanted)
            self._spawn(self._first_frame(session, self.frames))

    async def _follow_later(self) -> None:
        await asyncio.sleep(FOLLOW_RETRY)
        await self._follow()

    async def _first_frame(self, session: str, before: int) -> None:
        """The filmed page's picture, when it sent no frame of its own since filming began."""
        await asyncio.sleep(FIRST_FRAME_NUDGE)
        if self.frames != before or self._filmed is None or self._filmed[1] != session:
            return
        try:
            async with asyncio.timeout(FIRST_FRAME_NUDGE * 10):  # a page that never paints
                shot = await self._call("Page.captureScreenshot",
                                        {"format": "jpeg", "quality": JPEG_QUALITY},
                                        session=session)
        except (ScreencastError, TimeoutError) as error:  # the page closed meanwhile
            log.info("screencast.first_frame_failed error=%s", error)
            return
        data = shot.get("data")
        if data and self.frames == before and self._filmed is not None \
                and self._filmed[1] == session:
            self.frames += 1
            await self.sink(base64.b64decode(data))

    async def _frame(self, params: dict[str, Any], session: str) -> None:
        """Hand the frame on, then acknowledge it no sooner than the rate allows."""
        filmed = self._filmed is not None and self._filmed[1] == session
        if filmed:
            self.frames += 1
            await self.sink(base64.b64decode(params["data"]))
        if filmed:  # Chromium keeps two frames in flight: each ack takes the next slot
            now = asyncio.get_running_loop().time()
            self._next_ack = max(now, self._next_ack + self.min_interval)
            if self._next_ack > now:
                await asyncio.sleep(self._next_ack - now)
        with contextlib.suppress(ScreencastError):
            await self._call("Page.screencastFrameAck", {"sessionId": params["sessionId"]},
                             session=session)
