"""Screens, VNC servers and recorders for the local node's sessions.

The local node holds a :class:`MediaProvider` as its ``display_provider``: for a session that
needs a screen it opens a :class:`SessionMedia` (Xvfb + window manager, x11vnc when VNC is
wanted), runs the browser with its ``env``, calls ``attach(session_id)`` once the driver has
named the session (that starts the recording, named after it) and ``close()`` when the session
ends. The recording service then claims each recorder to write its metadata.

What a video is filmed from is ``capture`` (the ``recording_capture`` setting): ``x11``
grabs the screen with ffmpeg; ``screencast`` takes a Chromium's DevTools screencast (frames
only when the page paints, :mod:`hub.media.screencast_recorder`), so a Chromium recorded
without VNC runs headless with no screen at all; ``auto`` is screencast for Chromium and
x11grab for every other browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path

from hub.media.displays import Display, DisplayAllocator, DisplayError, remove_stale_locks
from hub.media.naming import video_path
from hub.media.recorder import Recorder, RecorderError
from hub.media.screencast_recorder import ScreencastRecorder
from hub.media.vnc import VncError, VncServer, start_vnc
from hub.screens import Recording, ScreenError
from hub.w3c.capabilities import SessionOptions

log = logging.getLogger(__name__)


CAPTURES = ("auto", "x11", "screencast")
SCREENCAST_BROWSERS = frozenset({"chrome"})


class SessionMedia:
    """One session's screen, VNC server and recorder; ``close()`` stops them in reverse.

    ``display`` is None for a session recorded by screencast without VNC (it runs headless)."""

    def __init__(
        self, provider: MediaProvider, options: SessionOptions, tag: str, log_dir: Path,
        display: Display | None, screencast: bool = False,
    ) -> None:
        self.provider = provider
        self.options = options
        self.tag = tag
        self.log_dir = log_dir
        self.display = display
        self.screencast = screencast
        self.vnc: VncServer | None = None
        self.recorder: Recorder | None = None
        self._closed = False

    @property
    def headed(self) -> bool:
        return self.display is not None

    @property
    def env(self) -> dict[str, str]:
        """What the driver (and so the browser) needs to run headed on this screen."""
        return {"DISPLAY": self.display.name} if self.display else {}

    @property
    def endpoints(self) -> dict[str, str]:
        """Private addresses for the hub's bridges (``vnc``); they never leave the hub."""
        return {"vnc": self.vnc.address} if self.vnc else {}

    @property
    def recorded(self) -> bool:
        return self.recorder is not None

    async def attach(self, session_id: str, endpoints: Mapping[str, str] | None = None) -> None:
        """The driver named the session: start recording into a file named after it
        (by screencast from the ``cdp`` endpoint, the browser's DevTools address)."""
        if not self.options.enable_video:
            return
        path = video_path(self.provider.recording_dir, session_id, self.options.video_name)
        recorder: Recorder
        if self.screencast:
            devtools = (endpoints or {}).get("cdp")
            if not devtools:
                raise ScreenError("cannot record the session: the browser named no DevTools "
                                  "address to take its screencast from")
            width, height, _ = self.options.screen_resolution
            recorder = ScreencastRecorder(
                devtools, path, width=width, height=height,
                frame_rate=self.options.video_frame_rate, hub_id=self.provider.hub_id,
                tag=f"{self.tag}-ffmpeg", log_dir=self.log_dir, binary=self.provider.ffmpeg)
        else:
            recorder = Recorder(
                self.display, path, frame_rate=self.options.video_frame_rate,
                hub_id=self.provider.hub_id, tag=f"{self.tag}-ffmpeg", log_dir=self.log_dir,
                binary=self.provider.ffmpeg,
            )
        try:
            await recorder.start()
        except (OSError, RecorderError) as error:
            raise ScreenError(f"cannot start ffmpeg to record the session: {error}") from None
        self.recorder = recorder
        self.provider.register_recorder(session_id, recorder)

    async def close(self) -> None:
        """Finish the video, then stop VNC and the screen; safe to call twice, never raises."""
        if self._closed:
            return
        self._closed = True
        if self.recorder is not None:
            await self.recorder.stop()
        if self.vnc is not None:
            await self.vnc.stop()
        if self.display is not None:
            await self.display.stop()


class MediaProvider:
    """Builds :class:`SessionMedia`; owned by the app, handed to the local node."""

    def __init__(
        self, *, hub_id: str, recording_dir: Path, allocator: DisplayAllocator | None = None,
        x11vnc: str = "x11vnc", ffmpeg: str = "ffmpeg", capture: str = "auto",
    ) -> None:
        self.hub_id = hub_id
        self.capture = capture
        self.recording_dir = recording_dir
        self.allocator = allocator or DisplayAllocator(hub_id)
        self.x11vnc = x11vnc
        self.ffmpeg = ffmpeg
        self._recorders: dict[str, Recording] = {}

    def start(self) -> None:
        """Clear what a crashed hub left in /tmp and make sure videos have a home."""
        remove_stale_locks(self.allocator.first, self.allocator.last)
        self.recording_dir.mkdir(parents=True, exist_ok=True)

    def screencast(self, options: SessionOptions, browser: str) -> bool:
        """Whether this session's video is taken by screencast rather than x11grab."""
        return (options.enable_video and browser in SCREENCAST_BROWSERS
                and self.capture in ("auto", "screencast"))

    def needs_display(self, options: SessionOptions, browser: str) -> bool:
        """A screen is needed for VNC, or for a video x11grab takes."""
        return options.enable_vnc or (options.enable_video
                                      and not self.screencast(options, browser))

    async def open(self, options: SessionOptions, tag: str, log_dir: Path,
                   browser: str = "", headed: bool = True) -> SessionMedia:
        """A ready screen for one session (with VNC when asked), or ScreenError; no screen
        when not ``headed`` (a Chromium recorded by screencast, without VNC)."""
        screencast = self.screencast(options, browser)
        if not headed:
            return SessionMedia(self, options, tag, log_dir, None, screencast)
        width, height, depth = options.screen_resolution
        try:
            display = await self.allocator.start(f"{tag}-xvfb", width, height, depth, log_dir)
        except (DisplayError, OSError) as error:
            raise ScreenError(f"cannot start a screen for the session: {error}") from None
        media = SessionMedia(self, options, tag, log_dir, display, screencast)
        if not options.enable_vnc:
            return media
        try:
            media.vnc = await start_vnc(display, hub_id=self.hub_id, tag=f"{tag}-vnc",
                                        log_dir=log_dir, binary=self.x11vnc)
        except BaseException as error:
            await asyncio.shield(media.close())
            if isinstance(error, VncError | OSError):
                raise ScreenError(f"cannot start VNC for the session: {error}") from None
            raise
        return media

    def video_path(self, session_id: str, name: str | None) -> Path:
        return video_path(self.recording_dir, session_id, name)

    def register_recorder(self, session_id: str, recorder: Recording) -> None:
        self._recorders[session_id] = recorder

    def has_recorder(self, session_id: str) -> bool:
        return session_id in self._recorders

    def claim_recorder(self, session_id: str) -> Recording | None:
        """Hand the session's recorder to whoever writes its metadata (once)."""
        return self._recorders.pop(session_id, None)

    async def close(self) -> None:
        """Stop recorders nobody claimed (sessions are ended before this)."""
        for recorder in list(self._recorders.values()):
            with contextlib.suppress(Exception):
                await recorder.stop()
        self._recorders.clear()
