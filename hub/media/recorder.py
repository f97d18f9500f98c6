"""ffmpeg grabbing a display into an H.264 MP4 that is playable however it ends.

ffmpeg writes a fragmented MP4 (:mod:`hub.media.remux`), so a killed ffmpeg, browser or hub
still leaves a video up to about a second before; it is stopped with SIGINT when the session
ends. An ffmpeg that fails in its first seconds (an X server still settling, a busy machine) is
started again, up to ``START_ATTEMPTS`` times; one that dies later leaves the session running and
the recording ``partial`` with ffmpeg's last words.
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
from hub.media.remux import fragmented_output_args
from hub.screens import RecordingState, work_path

log = logging.getLogger(__name__)

STOP_TIMEOUT = 60.0
FIRST_FRAME_TIMEOUT = 15.0
PROBE_TIMEOUT = 30.0
START_ATTEMPTS = 3
EARLY_FAILURE = 5.0  # an ffmpeg dying this soon after its first frame is started again
GRACEFUL_EXIT_CODES = (0, 255)  # ffmpeg ends with 255 after finishing the file on SIGINT


def ffmpeg_argv(
    display: Display, output: Path, frame_rate: int, binary: str = "ffmpeg"
) -> list[str]:
    """x11grab -> libx264 ultrafast yuv420p into a fragmented MP4.

    No mouse pointer: WebDriver input never moves it, and asking the X server where it is
    for every frame costs CPU (and was the first request to fail on an unsettled server).
    A page between commands is mostly still: ``mpdecimate`` drops frames that did not change
    before they are converted and encoded (the costly part), keeping one a second at least
    so the video's length and the crash-proof fragments keep pace; ``vfr`` keeps the
    timestamps true instead of repeating frames. ``zerolatency``: x264's frame threads would
    hold several frames back, seconds of video once few frames arrive, lost in a crash."""
    # ffmpeg-python renders video_size from a (width, height) pair
    stream = ffmpeg.input(display.name, format="x11grab", draw_mouse=0,
                          video_size=(display.width, display.height), framerate=frame_rate)
    stream = stream.filter("mpdecimate", max=max(1, frame_rate))
    if display.width % 2 or display.height % 2:
        stream = stream.filter("crop", "trunc(iw/2)*2", "trunc(ih/2)*2")
    out = stream.output(str(output), vcodec="libx264", preset="ultrafast", tune="zerolatency",
                        pix_fmt="yuv420p", fps_mode="vfr", **fragmented_output_args(frame_rate))
    return out.global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "warning") \
        .overwrite_output().compile(cmd=binary)


class RecorderError(Exception):
    """ffmpeg could not start recording, after every attempt; the message says why."""


class Recorder:
    """One ffmpeg for one session; ``wait()`` returns once it has ended, however it ended.

    ``path`` is where the finished video goes; ffmpeg writes ``work_path(path)`` meanwhile.
    """

    stdin = asyncio.subprocess.DEVNULL

    def __init__(
        self, display: Display | None, path: Path, *, frame_rate: int, hub_id: str, tag: str,
        log_dir: Path, binary: str = "ffmpeg", early_failure: float = EARLY_FAILURE,
    ) -> None:
        self.display = display
        self.path = path
        self.work = work_path(path)
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
        self.attempts = 0
        self.early_failure = early_failure
        self._launched_at = 0.0
        self._stopping = False
        self._done = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """ffmpeg recording, from the session's first command; RecorderError if it cannot."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        try:
            process = await self._launch()
        except BaseException:
            if self.process is not None:
                await asyncio.shield(stop_process(self.process, self.tag, signal.SIGKILL, 1))
            raise
        self._watcher = asyncio.create_task(self._watch(process))
        log.info("recording.started path=%s source=%s fps=%d attempts=%d", self.path,
                 self.source, self.frame_rate, self.attempts)

    @property
    def source(self) -> str:
        """What is filmed, for the log."""
        return self.display.name if self.display else "none"

    def _argv(self) -> list[str]:
        assert self.display is not None, "an x11grab recorder needs a display"
        return ffmpeg_argv(self.display, self.work, self.frame_rate, self.binary)

    async def _launched(self, process: asyncio.subprocess.Process) -> None:
        """Hook: an ffmpeg was just started (a recorder that feeds it starts here)."""

    async def _finish(self, process: asyncio.subprocess.Process, grace: float) -> None:
        """Make ffmpeg finish its file: SIGINT (a recorder that feeds it may end its input)."""
        await stop_process(process, self.tag, signal.SIGINT, grace=grace)

    async def _launch(self) -> asyncio.subprocess.Process:
        """An ffmpeg that has opened the screen and its file, within the attempts left."""
        while True:
            self.attempts += 1
            await asyncio.to_thread(self.work.unlink, missing_ok=True)  # so a size is news
            process = await processes.spawn(
                self._argv(), hub_id=self.hub_id, session_tag=self.tag,
                log_path=str(self.log_path), stdin=self.stdin)
            self.process = process
            await self._launched(process)
            if await self._first_frame(process):
                self._launched_at = time.monotonic()
                return process
            why = f"ffmpeg exited with code {process.returncode}: " \
                  f"{tail(self.log_path) or 'no output'}"
            if self.attempts >= START_ATTEMPTS:
                raise RecorderError(f"{why} (after {self.attempts} attempts)")
            log.warning("recording.retry path=%s attempt=%d error=%s", self.path, self.attempts,
                        why)

    async def _first_frame(self, process: asyncio.subprocess.Process) -> bool:
        """Wait until ffmpeg writes the file (it has opened the screen), so the session is
        filmed from its first command; False if it died first. A slow start is logged."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_FRAME_TIMEOUT
        while process.returncode is None and loop.time() < deadline:
            with contextlib.suppress(OSError):
                if (await asyncio.to_thread(self.work.stat)).st_size > 0:
                    return True
            await asyncio.sleep(0.05)
        if process.returncode is None:
            log.warning("recording.slow_start path=%s", self.path)
        return process.returncode is None

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        while True:
            code = await process.wait()
            early = time.monotonic() - self._launched_at < self.early_failure
            if self._stopping or not early or self.attempts >= START_ATTEMPTS:
                break
            log.warning("recording.restart path=%s code=%s error=%s", self.path, code,
                        tail(self.log_path))
            try:
                process = await self._launch()
            except (RecorderError, OSError) as error:
                log.warning("recording.restart_failed path=%s error=%s", self.path, error)
                break
            if self._stopping:  # stop() came while this one was starting
                await stop_process(process, self.tag, signal.SIGINT)
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
            await self._finish(self.process, grace)
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
