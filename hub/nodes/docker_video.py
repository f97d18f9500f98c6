"""Videos recorded inside a browser container, handed to the hub like local recordings.

ffmpeg runs in the container, writing a fragmented MP4 as the local recorder does. The Docker
node registers a :class:`ContainerRecording` with the media provider under the session id,
exactly where the local node registers its ``Recorder``; the recording service claims it,
writes the metadata and waits for it. When the session ends the node stops the container
(ffmpeg finishes the file), copies the fragments out with the archive API (a killed container
still has them) and calls :meth:`ContainerRecording.finish`; the service then makes the MP4
(:mod:`hub.media.remux`) and probes it.

A hub that dies leaves its containers behind with their videos in them. So a recorded session's
container is renamed after its video file (:func:`mark`), and whoever removes a dead hub's
containers first kills them (as their hub was killed) and copies the video's fragments to that
name in its own recording directory (:func:`salvage`): the hub that settles the dead hub's
recordings finds it there and serves it as ``partial`` (``RecordingService.settle_interrupted``).
That needs the hubs to share the recording directory (a restart on the same machine, or one
volume); elsewhere the dead hub's recording stays ``failed`` ("no file").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from docker.errors import DockerException
from docker.models.containers import Container

from hub.nodes.browser_image import VIDEO_NAME  # the file inside the container
from hub.screens import RecordingState, work_path

log = logging.getLogger(__name__)

RECORDINGS_DIR = "/recordings"
VIDEO_MARK = "-video-"  # container name: tggrid-<tag>-video-<the hub's file name>
_SAFE_VIDEO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.mp4")  # hub.media.naming makes these


class ContainerRecording:
    """A container's own recording, as the recording service sees a ``hub.screens.Recording``."""

    def __init__(self, path: Path, started_at: float) -> None:
        self.path = path
        self.started_at = started_at
        self.ended_at = 0.0
        self.state = RecordingState.RECORDING
        self.error = ""
        self._done = asyncio.Event()

    @property
    def active(self) -> bool:
        return not self._done.is_set()

    def finish(self, error: str = "") -> None:
        if self._done.is_set():
            return
        self.ended_at = time.time()
        self.state = RecordingState.FAILED if error else RecordingState.FINISHED
        self.error = error
        self._done.set()

    async def wait(self) -> RecordingState:
        await self._done.wait()
        return self.state

    async def stop(self, grace: float = 0.0) -> RecordingState:
        """Called for recordings nobody claimed when the hub stops; the node finishes them."""
        self.finish("the hub stopped before the video was collected")
        return self.state


def copy_out(container: Container, path: Path, inner: str = VIDEO_NAME) -> None:
    """Copy ``/recordings/<inner>`` out of a (stopped) container to ``path``, streaming."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks, _ = container.get_archive(f"{RECORDINGS_DIR}/{inner}")
    with tempfile.TemporaryFile(dir=path.parent) as archive_file:
        for chunk in chunks:
            archive_file.write(chunk)
        archive_file.seek(0)
        with tarfile.open(fileobj=archive_file) as archive:
            member = next((m for m in archive.getmembers() if m.isfile()), None)
            source = archive.extractfile(member) if member else None
            if source is None:
                raise OSError(f"no file {inner} in the container's archive")
            partial = path.with_name(path.name + ".part")
            with open(partial, "wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            partial.replace(path)


async def collect(container: Container, recording: ContainerRecording, cut_short: str = ""
                  ) -> None:
    """Copy the video's fragments out and tell the recording service; never raises.
    ``cut_short``: why the container may have died before ffmpeg finished the file."""
    target = work_path(recording.path)
    try:
        await asyncio.to_thread(copy_out, container, target)
    except (DockerException, OSError, tarfile.TarError) as error:
        with contextlib.suppress(OSError):
            target.with_name(target.name + ".part").unlink(missing_ok=True)
        log.warning("recording.copy_failed path=%s error=%s", recording.path, error)
        recording.finish(f"could not copy the video out of the container: {error}")
        return
    log.info("recording.collected path=%s", recording.path)
    recording.finish(cut_short)


def mark(container: Container, video: Path) -> None:
    """Name the container after the hub's video file, so a hub that finds it orphaned knows
    where its video belongs (labels cannot change once it runs; the name can). Never raises."""
    try:
        container.rename(f"{container.name}{VIDEO_MARK}{video.name}")
    except DockerException as error:
        log.warning("recording.mark_failed container=%s error=%s", container.short_id, error)


def marked_video(names: list[str]) -> str | None:
    """The hub's video file name a container was marked with, if it is a safe one."""
    for name in names:
        _, found, video = name.lstrip("/").partition(VIDEO_MARK)
        if found and _SAFE_VIDEO.fullmatch(video) and ".." not in video:
            return video
    return None


def salvage(container: Container, recording_dir: Path) -> Path | None:
    """Before a dead hub's container is removed: kill it, so what it recorded stays as it was
    when found (a cut fragmented MP4, playable up to its last fragment), and copy that out to the
    name it was marked with in ``recording_dir``, as the fragments a recording leaves: the
    service settling the dead hub's recordings makes the MP4 of them and marks it ``partial``.
    Returns where it went; None for an unmarked container or a video that is not there.
    Never raises, never overwrites."""
    video = marked_video(list(container.attrs.get("Names") or [container.name]))
    if video is None:
        return None
    target = recording_dir / video
    if target.exists() or work_path(target).exists():
        return None
    with contextlib.suppress(DockerException):  # it may have stopped already
        container.kill()  # as its hub was: what it recorded until now, as it was
    try:
        copy_out(container, work_path(target))
    except (DockerException, OSError, tarfile.TarError) as error:
        log.warning("recording.salvage_failed container=%s video=%s error=%s",
                    container.short_id, video, error)
        return None
    log.warning("recording.salvaged container=%s path=%s", container.short_id, target)
    return target
