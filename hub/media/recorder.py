"""ffmpeg grabbing a display into an H.264 MP4 that is always playable.

The MP4 index (``moov``) is only written when ffmpeg ends normally, so the recorder is always
stopped with SIGINT and given time to finish (``+faststart`` then moves the index to the front
for streaming). If ffmpeg dies on its own, the session goes on and the recording is marked
failed with ffmpeg's last words.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import tempfile
import time
import uuid
from pathlib import Path

import ffmpeg

from hub import processes
from hub.media.displays import Display, stop_process, tail
from hub.screens import RecordingState

log = logging.getLogger(__name__)

STOP_TIMEOUT = 60.0
FIRST_FRAME_TIMEOUT = 15.0
PROBE_TIMEOUT = 30.0
GRACEFUL_EXIT_CODES = (0, 255)  # ffmpeg ends with 255 after finishing the file on SIGINT


def ffmpeg_argv(
    display: Display, output: Path, frame_rate: int, binary: str = "ffmpeg"
) -> list[str]:
    """x11grab -> libx264 ultrafast yuv420p, index at the front."""
    # ffmpeg-python renders video_size from a (width, height) pair
    stream = ffmpeg.input(display.name, format="x11grab",
                          video_size=(display.width, display.height), framerate=frame_rate)
    if display.width % 2 or display.height % 2:
        stream = stream.filter("crop", "trunc(iw/2)*2", "trunc(ih/2)*2")
    out = stream.output(str(output), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p",
                        movflags="+faststart")
    return out.global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "warning") \
        .overwrite_output().compile(cmd=binary)


class Recorder:
    """One ffmpeg for one session; ``wait()`` returns once it has ended, however it ended."""

    def __init__(
        self, display: Display, path: Path, *, frame_rate: int, hub_id: str, tag: str,
        log_dir: Path, binary: str = "ffmpeg",
    ) -> None:
        self.display = display
        self.path = path
        self.frame_rate = frame_rate
        self.hub_id = hub_id
        self.tag = tag
        self.log_path = log_dir / "ffmpeg.log"
        self.binary = binary
        self.state = RecordingState.RECORDING
        self.error = ""
        self.started_at = 0.0
        self.ended_at = 0.0
        self.process: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._done = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        self.process = await processes.spawn(
            ffmpeg_argv(self.display, self.path, self.frame_rate, self.binary),
            hub_id=self.hub_id, session_tag=self.tag, log_path=str(self.log_path),
        )
        self._watcher = asyncio.create_task(self._watch(self.process))
        await self._first_frame()
        log.info("recording.started path=%s display=%s fps=%d", self.path, self.display.name,
                 self.frame_rate)

    async def _first_frame(self) -> None:
        """Wait until ffmpeg writes the file (it has a frame), so the session is filmed from
        its first command; a slow start is logged, not fatal."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_FRAME_TIMEOUT
        while self.active and loop.time() < deadline:
            with contextlib.suppress(OSError):
                if (await asyncio.to_thread(self.path.stat)).st_size > 0:
                    return
            await asyncio.sleep(0.05)
        if self.active:
            log.warning("recording.slow_start path=%s", self.path)

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        self.ended_at = time.time()
        if self._stopping and code in GRACEFUL_EXIT_CODES:
            self.state = RecordingState.FINISHED
        else:
            self.state = RecordingState.FAILED
            how = "stopping" if self._stopping else "recording"
            self.error = (f"ffmpeg exited with code {code} while {how}: "
                          f"{tail(self.log_path) or 'no output'}")
            log.warning("recording.failed path=%s error=%s", self.path, self.error)
        self._done.set()

    @property
    def active(self) -> bool:
        return not self._done.is_set()

    async def stop(self, grace: float = STOP_TIMEOUT) -> RecordingState:
        """Finish the file gracefully (SIGINT); kill ffmpeg only if it hangs."""
        if self.process is None:
            return self.state
        if self.active:
            self._stopping = True
            await stop_process(self.process, self.tag, signal.SIGINT, grace=grace)
        if self._watcher is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        return self.state

    async def wait(self) -> RecordingState:
        await self._done.wait()
        return self.state


async def probe(path: Path, *, hub_id: str, binary: str = "ffprobe") -> dict[str, object]:
    """ffprobe's JSON for the file (format and streams), or ValueError when unreadable."""
    tag = f"probe-{uuid.uuid4().hex}"
    with tempfile.NamedTemporaryFile(prefix="tggrid-probe-", suffix=".json") as output:
        process = await processes.spawn(
            [binary, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
             str(path)],
            hub_id=hub_id, session_tag=tag, log_path=output.name,
        )
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                code = await process.wait()
        except TimeoutError:
            await stop_process(process, tag, signal.SIGKILL, grace=1)
            raise ValueError(f"ffprobe took longer than {PROBE_TIMEOUT:g} s") from None
        text = await asyncio.to_thread(Path(output.name).read_text, errors="replace")
    if code != 0:
        raise ValueError(text.strip() or f"ffprobe exited with code {code}")
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(f"ffprobe printed no JSON: {text[:300]}") from None


def duration_of(info: dict[str, object]) -> float:
    """Seconds, from ffprobe's format section; ValueError when the file has no video."""
    streams = info.get("streams") or []
    if not isinstance(streams, list) or not any(
            isinstance(s, dict) and s.get("codec_type") == "video" for s in streams):
        raise ValueError("the file has no video stream")
    fmt = info.get("format")
    try:
        return float(fmt["duration"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        raise ValueError("ffprobe reported no duration") from None
