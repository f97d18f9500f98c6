"""The recording service: each video's metadata, from first frame to deletion.

As a session listener it claims the recorder the local node started, records who owns the
video, and once ffmpeg has ended turns its fragments into the served MP4 (:mod:`hub.media.remux`)
and probes it (duration, size): ``ready``, ``partial`` when a crash cut it short (the reason in
``error``), or ``failed`` when nothing playable is left. A Docker node's container records
itself; the node registers that recording with the provider like a local recorder, so it is
claimed the same way.
It also enforces ``recording_retention_days`` and settles recordings a crashed hub left
half-written: on start, and with a database each time the hub's presence settles dead hubs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Collection
from pathlib import Path

from hub.background import every
from hub.db.recordings import RECORDING, RecordingInfo
from hub.grid.session import Session
from hub.media.catalog import RecordingCatalog, Search, utcnow
from hub.media.provider import MediaProvider
from hub.media.recorder import duration_of, probe
from hub.media.remux import finish_file
from hub.media.s3 import S3Error, is_remote
from hub.media.uploads import Uploader
from hub.screens import WORK_SUFFIX, Recording, RecordingState, work_path

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 90.0


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _modified(path: Path) -> dt.datetime | None:
    """When the video (or what ffmpeg left of it) was last written; None when neither is."""
    for candidate in (work_path(path), path):
        with contextlib.suppress(OSError):
            return _when(candidate.stat().st_mtime)
    return None


class RecordingService:
    def __init__(
        self, catalog: RecordingCatalog, provider: MediaProvider | None, *, hub_id: str,
        recording_dir: Path, retention_days: float,
    ) -> None:
        self.catalog = catalog
        self.provider = provider
        self.hub_id = hub_id
        self.recording_dir = recording_dir
        self.retention_days = retention_days
        self._pending: dict[str, Recording] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.uploader: Uploader | None = None  # recording_storage = s3
        # Told the session id of each deleted recording (the timeline deletes its steps).
        self.deleted_listeners: list[Callable[[str], None]] = []

    def busy(self, session_id: str) -> bool:
        """True while the session's video is being recorded or finished (answer 409)."""
        return session_id in self._pending or (
            self.provider is not None and self.provider.has_recorder(session_id))

    # -- session lifecycle -------------------------------------------------------------------

    async def session_started(self, session: Session) -> None:
        # nodes register a recorder under the driver's session id (the hub's id adds its key)
        recorder = (self.provider.claim_recorder(session.node_session.session_id)
                    if self.provider else None)
        if recorder is None:
            return
        self._pending[session.id] = recorder
        try:
            info = await self.catalog.create(
                session_id=session.id, path=str(recorder.path), name=recorder.path.name,
                owner=session.owner, started_at=_when(recorder.started_at))
        except BaseException:
            self._pending.pop(session.id, None)
            raise
        task = asyncio.create_task(self._finalize(session.id, info, recorder))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def session_ended(self, session: Session) -> None:
        return None

    async def _finalize(self, session_id: str, info: RecordingInfo, recorder: Recording) -> None:
        try:
            state = await recorder.wait()
            partial = recorder.error if state is RecordingState.FAILED else ""
            await self.complete(info.id, recorder.path, _when(recorder.ended_at),
                                partial=partial)
        except Exception:
            log.exception("recording.finalize_failed id=%s session=%s", info.id, session_id)
        finally:
            self._pending.pop(session_id, None)

    async def complete(
        self, recording_id: str, path: Path, ended_at: dt.datetime, *, partial: str = "",
        cut: bool = False,
    ) -> None:
        """Make the served MP4 from the fragments and probe it: ready with duration and size,
        ``partial`` when the file was cut short (``partial`` says why, if known), or failed
        if nothing plays. ``cut``: the session was cut short whatever the file says (its hub
        died: a screencast's ffmpeg closes the file cleanly at the end of its input)."""
        reason = partial  # kept for a failure: a file never copied out says nothing itself
        try:
            if not await finish_file(path, hub_id=self.hub_id):
                partial = partial or "the recording was cut short"
            elif not cut:
                partial = ""
            duration = duration_of(await probe(path, hub_id=self.hub_id))
            size = (await asyncio.to_thread(path.stat)).st_size
        except (ValueError, OSError) as error:
            why = f"the video is not playable: {error}"
            await self.catalog.fail(recording_id, f"{reason}; {why}" if reason else why)
            log.warning("recording.unplayable id=%s path=%s error=%s", recording_id, path, error)
            return
        await self.catalog.finish(recording_id, size=size, duration=duration, ended_at=ended_at,
                                  partial=partial or None)
        if self.uploader is not None:
            self.uploader.submit(recording_id)
        log.info("recording.%s id=%s path=%s duration=%.1f size=%d",
                 "partial" if partial else "ready", recording_id, path, duration, size)

    # -- housekeeping ------------------------------------------------------------------------

    async def delete(self, info: RecordingInfo) -> None:
        """The file (and fragments left of it, or the object in the bucket) and its metadata."""
        if is_remote(info.path):
            if self.uploader is None:
                log.warning("recording.remote_kept id=%s path=%s (recording_storage is not s3)",
                            info.id, info.path)
            else:
                store = self.uploader.store
                try:
                    await store.delete(store.key_of(info.path))
                except S3Error as error:
                    log.warning("recording.remote_delete_failed id=%s error=%s", info.id, error)
                    raise
        else:
            await asyncio.to_thread(Path(info.path).unlink, missing_ok=True)
            await asyncio.to_thread(work_path(Path(info.path)).unlink, missing_ok=True)
        await self.catalog.delete(info.id)
        for listener in self.deleted_listeners:
            await asyncio.to_thread(listener, info.session_id)
        log.info("recording.deleted id=%s path=%s", info.id, info.path)

    async def sweep(self, now: dt.datetime | None = None) -> int:
        """Delete recordings older than the retention period; returns how many."""
        if self.retention_days <= 0:
            return 0
        cutoff = (now or utcnow()) - dt.timedelta(days=self.retention_days)
        removed = 0
        for info in await self.catalog.search(Search(until=cutoff)):
            if self.busy(info.session_id):
                continue
            try:
                await self.delete(info)
            except S3Error:
                continue  # the bucket is away: the next sweep tries again
            removed += 1
        removed += await asyncio.to_thread(self._remove_untracked, cutoff.timestamp(),
                                           await self._tracked_paths())
        if removed:
            log.info("recording.retention removed=%d days=%g", removed, self.retention_days)
        return removed

    async def _tracked_paths(self) -> set[str]:
        return {info.path for info in await self.catalog.search(Search())}

    def _remove_untracked(self, cutoff: float, tracked: set[str]) -> int:
        removed = 0
        for path in (*self.recording_dir.glob("*.mp4"),
                     *self.recording_dir.glob(f"*.mp4{WORK_SUFFIX}")):
            with contextlib.suppress(OSError):
                if str(path) not in tracked and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    async def settle_interrupted(
        self, alive_hubs: Collection[str] | None = None, *, by_directory: bool = True,
    ) -> int:
        """Recordings left 'recording' by a hub that died: probe them into ready or failed.

        With ``alive_hubs`` (hubs sharing a database), a recording whose session's hub is
        known is settled when that hub is not among them, wherever its file is. One of no
        known hub is settled, ``by_directory``, when its file is in this hub's directory (at
        start only: later it may be a live hub's whose session row is not written yet).
        Never one this hub is still recording.
        """
        found = [info for info in await self.catalog.search(Search(status=RECORDING))
                 if not self.busy(info.session_id)]
        owners = await self.catalog.hubs_of({info.session_id for info in found}) if (
            found and alive_hubs is not None) else {}
        settled = 0
        for info in found:
            path = Path(info.path)
            owner = owners.get(info.session_id)
            if owner is not None and alive_hubs is not None:
                if owner == self.hub_id or owner in alive_hubs:
                    continue
            elif not (by_directory and await asyncio.to_thread(self._ours, path)):
                continue
            who = f"hub {owner}" if owner else "the hub"
            ended = await asyncio.to_thread(_modified, path)
            if ended is None:
                await self.catalog.fail(info.id, f"{who} stopped while recording; no file")
            else:
                await self.complete(info.id, path, ended,
                                    partial=f"{who} stopped while recording", cut=True)
            log.warning("recording.settled id=%s session=%s hub=%s", info.id, info.session_id,
                        owner or "")
            settled += 1
        return settled

    def _ours(self, path: Path) -> bool:
        """A file of this hub's recording directory (hubs sharing a database keep apart)."""
        return path.resolve().parent == self.recording_dir.resolve()

    async def run_retention(self, interval: float) -> None:
        """Sweep every ``interval`` seconds (the first sweep runs at start, before this)."""
        await every(interval, self.sweep, "recording.retention_failed")

    async def close(self) -> None:
        """Let recordings being finished write their metadata (sessions are ended by now)."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=CLOSE_TIMEOUT)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
