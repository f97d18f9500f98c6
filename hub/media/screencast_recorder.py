"""A Chromium session recorded from its DevTools screencast instead of its screen.

The frames (:mod:`hub.media.screencast`) are piped into ffmpeg as a multipart JPEG stream;
ffmpeg stamps each with the wall clock as it reads it (``use_wallclock_as_timestamps``: the
hub writes a frame the moment it arrives), scales it into the video's fixed size and encodes a
variable-frame-rate H.264 into the same crash-proof fragmented MP4 as the x11grab recorder.
A page that stands still sends nothing, so the last frame is written again ``HEARTBEAT`` s
after a new one (which puts the change on disk), then at doubling intervals up to
``MAX_HEARTBEAT`` s (the fragments, and so what a crash leaves, keep pace with the session at a
decode and an encode per repeat), and once more when recording stops (the video lasts as long
as the session).
Start-up retries, crash handling and finishing are :class:`~hub.media.recorder.Recorder`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import ffmpeg

from hub.media.recorder import FIRST_FRAME_TIMEOUT, STOP_TIMEOUT, Recorder, RecorderError
from hub.media.remux import fragmented_output_args
from hub.media.screencast import Screencast, ScreencastError
from hub.screens import RecordingState

HEARTBEAT = 1.0
MAX_HEARTBEAT = 4.0
KEYFRAME_SECONDS = 5  # seeking never decodes more than this much video
BOUNDARY = b"--tggridframe"


def screencast_argv(output: Path, width: int, height: int, frame_rate: int,
                    binary: str = "ffmpeg") -> list[str]:
    """multipart JPEG on stdin -> libx264 ultrafast yuv420p, variable frame rate, fragmented.

    Frames keep their aspect inside ``width`` x ``height`` (a window the client resized is
    letterboxed, not stretched); a keyframe at least every ``KEYFRAME_SECONDS`` of video,
    since frames are few and a frame count would space them minutes apart."""
    width, height = width - width % 2, height - height % 2
    stream = ffmpeg.input("pipe:0", format="mpjpeg", use_wallclock_as_timestamps=1)
    stream = stream.filter("scale", width, height, force_original_aspect_ratio="decrease")
    stream = stream.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
    out = stream.output(str(output), vcodec="libx264", preset="ultrafast", tune="zerolatency",
                        pix_fmt="yuv420p", fps_mode="vfr",
                        force_key_frames=f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
                        **fragmented_output_args(frame_rate))
    return out.global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error") \
        .overwrite_output().compile(cmd=binary)


def part(jpeg: bytes) -> bytes:
    """One frame as a part of the multipart stream ffmpeg's mpjpeg demuxer reads."""
    return (BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
            + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")


class ScreencastRecorder(Recorder):
    """ffmpeg fed by a Chromium's screencast; ``devtools`` is its ``http://host:port``."""

    stdin = asyncio.subprocess.PIPE

    def __init__(
        self, devtools: str, path: Path, *, width: int, height: int, frame_rate: int,
        hub_id: str, tag: str, log_dir: Path, binary: str = "ffmpeg",
        heartbeat: float = HEARTBEAT,
    ) -> None:
        super().__init__(None, path, frame_rate=frame_rate, hub_id=hub_id, tag=tag,
                         log_dir=log_dir, binary=binary)
        self.devtools = devtools
        self.width = width
        self.height = height
        self.heartbeat = heartbeat
        self.screencast = Screencast(devtools, self._feed, width=width, height=height,
                                     max_rate=frame_rate)
        self._last: bytes | None = None
        self._fed_at = 0.0
        self._new_frame = False
        self._first = asyncio.Event()
        self._writing = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def source(self) -> str:
        return f"screencast:{self.devtools}"

    def _argv(self) -> list[str]:
        return screencast_argv(self.work, self.width, self.height, self.frame_rate,
                               self.binary)

    async def start(self) -> None:
        """The screencast's first frame, then ffmpeg; RecorderError if either fails."""
        casting = asyncio.create_task(self.screencast.run(), name=f"screencast-{self.tag}")
        self._tasks.append(casting)
        try:
            first = asyncio.create_task(self._first.wait())
            try:
                await asyncio.wait({casting, first}, timeout=FIRST_FRAME_TIMEOUT,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                first.cancel()
            if self._last is None:
                raise RecorderError(self._casting_failure(casting))
            await super().start()
        except BaseException:
            await asyncio.shield(self._stop_tasks())
            raise
        self._tasks.append(asyncio.create_task(self._keep_pace(), name=f"heartbeat-{self.tag}"))

    @staticmethod
    def _casting_failure(casting: asyncio.Task[None]) -> str:
        if not casting.done():
            return f"the browser sent no screencast frame within {FIRST_FRAME_TIMEOUT:g} s"
        error = None if casting.cancelled() else casting.exception()
        if isinstance(error, ScreencastError | OSError):
            return f"cannot film the browser: {error}"
        return f"the browser's DevTools connection ended before a frame: {error or 'closed'}"

    async def _feed(self, jpeg: bytes) -> None:
        self._last = jpeg
        self._new_frame = True
        self._first.set()
        await self._write(jpeg)

    async def _write(self, jpeg: bytes) -> None:
        """To the running ffmpeg; waits while its pipe is full (backpressure to the browser);
        nothing when ffmpeg is gone (it is being started again, or the recording failed)."""
        async with self._writing:
            process = self.process
            if process is None or process.returncode is not None or process.stdin is None \
                    or process.stdin.is_closing():
                return
            process.stdin.write(part(jpeg))
            with contextlib.suppress(ConnectionError):
                await process.stdin.drain()
            self._fed_at = time.monotonic()

    async def _launched(self, process: asyncio.subprocess.Process) -> None:
        if self._last is not None:  # a new ffmpeg starts from what the page shows now
            await self._write(self._last)

    async def _keep_pace(self) -> None:
        """The last frame again ``heartbeat`` s after a new one (that flushes the fragment
        holding the change to disk), then at doubling intervals up to ``MAX_HEARTBEAT`` while
        the page stays still: each repeat costs a decode and an encode."""
        interval = self.heartbeat
        while True:
            if self._new_frame:
                self._new_frame = False
                interval = self.heartbeat
            idle = time.monotonic() - self._fed_at
            if idle >= interval and self._last is not None:
                await self._write(self._last)  # returns at once when ffmpeg is gone
                interval = min(interval * 2, max(self.heartbeat, MAX_HEARTBEAT))
                idle = time.monotonic() - self._fed_at
            await asyncio.sleep(max(0.05, interval - idle))

    async def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def _finish(self, process: asyncio.subprocess.Process, grace: float) -> None:
        """The last frame once more (the video lasts until now), then the end of the input:
        ffmpeg finishes the file and exits 0. SIGINT if it does not."""
        await self._stop_tasks()
        if self._last is not None:
            await self._write(self._last)
        async with self._writing:
            if process.stdin is not None:
                process.stdin.close()
                with contextlib.suppress(ConnectionError):
                    await process.stdin.wait_closed()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await process.wait()
        await super()._finish(process, grace)

    async def stop(self, grace: float = STOP_TIMEOUT) -> RecordingState:
        try:
            return await super().stop(grace)
        finally:
            await self._stop_tasks()
