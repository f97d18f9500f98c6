"""From the crash-proof file ffmpeg writes to the MP4 the hub serves.

ffmpeg records into ``<name>.mp4.rec``, a fragmented MP4 (an empty index up front, then a
self-describing fragment about every second, flushed as it is written), so whatever dies (ffmpeg,
the browser, the container, the hub) leaves a file that plays up to its last whole fragment.
Browsers seek badly in a fragmented file without an index, so once recording has ended the
fragments are copied (no re-encoding, a second or so for an hour) into an ordinary MP4 with its
index at the front (``+faststart``), ``<name>.mp4``, which is what is probed and served.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from pathlib import Path

from hub import processes
from hub.media.displays import stop_process, tail
from hub.screens import work_path

REMUX_TIMEOUT = 300.0
FRAGMENT_SECONDS = 1.0


def fragmented_output_args(frame_rate: int) -> dict[str, object]:
    """ffmpeg output options for a file that stays playable when its writer is killed."""
    return {"format": "mp4", "movflags": "empty_moov+default_base_moof",
            "frag_duration": int(FRAGMENT_SECONDS * 1_000_000), "flush_packets": 1,
            "g": max(1, frame_rate) * 5}


async def finish_file(path: Path, *, hub_id: str, binary: str = "ffmpeg") -> bool:
    """Turn ``work_path(path)`` into the seekable ``path`` and remove it; nothing to do when
    there is no work file (an older recording, or one finished before). Returns whether the
    recording was whole (ffmpeg finished the file) rather than cut short. ValueError when
    ffmpeg finds nothing playable in it (the work file is kept for a look)."""
    work = work_path(path)
    if not await asyncio.to_thread(work.is_file):
        return True
    whole = await asyncio.to_thread(finished, work)
    target = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tag = f"remux-{uuid.uuid4().hex}"
    log_path = path.with_name(f".{path.name}.remux.log")
    process = await processes.spawn(
        [binary, "-nostdin", "-hide_banner", "-v", "error", "-i", str(work), "-map", "0:v",
         "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", str(target)],
        hub_id=hub_id, session_tag=tag, log_path=str(log_path))
    try:
        async with asyncio.timeout(REMUX_TIMEOUT):
            code = await process.wait()
    except BaseException:
        await asyncio.shield(stop_process(process, tag, signal.SIGKILL, grace=1))
        await asyncio.to_thread(_remove, target, log_path)
        raise
    why = await asyncio.to_thread(tail, log_path)
    # a cut-off last fragment makes ffmpeg complain; what it copied is judged by ffprobe
    if not await asyncio.to_thread(_has_data, target):
        await asyncio.to_thread(_remove, target, log_path)
        raise ValueError(why or f"ffmpeg exited with code {code} copying the fragments")
    await asyncio.to_thread(target.replace, path)
    await asyncio.to_thread(_remove, work, log_path)
    return whole


def finished(work: Path) -> bool:
    """ffmpeg ends a fragmented MP4 it finished with a fragment index (``mfra``, closed by an
    ``mfro`` box of 16 bytes); a file whose writer died has none."""
    try:
        with work.open("rb") as file:
            file.seek(-16, 2)
            return file.read(16)[4:8] == b"mfro"
    except OSError:
        return False


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
