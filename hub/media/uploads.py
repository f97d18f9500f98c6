"""Finished recordings copied to S3 in the background, retried until the bucket takes them.

A recording is uploaded once it is ``ready`` or ``partial``; only then does its ``path``
become the ``s3://`` URL and the local file go, so until the upload lands the video is served
from disk. The work list is the catalog itself (finished recordings whose path is still local),
so a hub that restarts resumes whatever its predecessor had not copied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from hub.db.recordings import PARTIAL, READY
from hub.media.catalog import RecordingCatalog, Search
from hub.media.s3 import S3Error, S3Store, is_remote

log = logging.getLogger(__name__)

RETRY_FIRST = 1.0
RETRY_MAX = 60.0


class Uploader:
    def __init__(
        self, store: S3Store, catalog: RecordingCatalog, recording_dir: Path, *,
        retry_first: float = RETRY_FIRST, retry_max: float = RETRY_MAX,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.recording_dir = recording_dir
        self.retry_first = retry_first
        self.retry_max = retry_max
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self.uploading: str | None = None  # the recording on its way, for the curious
        self.attempts = 0  # upload attempts so far, failed ones included

    def submit(self, recording_id: str) -> None:
        if recording_id not in self._queued:
            self._queued.add(recording_id)
            self._queue.put_nowait(recording_id)

    async def resume(self) -> int:
        """Queue the finished recordings of this hub's directory still on disk."""
        found = 0
        for info in await self.catalog.search(Search()):
            if (info.status in (READY, PARTIAL) and not is_remote(info.path)
                    and await asyncio.to_thread(self._ours, info.path)):
                self.submit(info.id)
                found += 1
        if found:
            log.info("upload.resumed count=%d", found)
        return found

    def _ours(self, path: str) -> bool:
        return Path(path).resolve().parent == self.recording_dir.resolve()

    async def idle(self) -> None:
        """Returns once everything queued so far is uploaded (for tests and shutdown)."""
        await self._queue.join()

    async def run(self) -> None:
        """The background task: one upload at a time, each retried with backoff."""
        while True:
            recording_id = await self._queue.get()
            try:
                await self._upload(recording_id)
            except Exception:
                log.exception("upload.crashed id=%s", recording_id)
            finally:
                self._queued.discard(recording_id)
                self._queue.task_done()

    async def _upload(self, recording_id: str) -> None:
        delay = self.retry_first
        attempt = 0
        while True:
            info = await self.catalog.get(recording_id)
            if info is None or is_remote(info.path) or info.status not in (READY, PARTIAL):
                return
            path = Path(info.path)
            if not await asyncio.to_thread(path.is_file):
                log.warning("upload.file_gone id=%s path=%s", recording_id, path)
                return
            key = self.store.key_for(info.id, info.name)
            attempt += 1
            self.attempts += 1
            self.uploading = recording_id
            try:
                await self.store.upload(path, key)
            except S3Error as error:
                log.warning("upload.retry id=%s attempt=%d in=%gs error=%s", recording_id,
                            attempt, delay, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            finally:
                self.uploading = None
            await self.catalog.move(recording_id, self.store.url_of(key))
            with contextlib.suppress(OSError):
                await asyncio.to_thread(path.unlink)
            log.info("upload.done id=%s key=%s attempts=%d", recording_id, key, attempt)
            return
