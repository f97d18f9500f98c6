"""Writes that must not hold up a request: queued, then run in order by one background task.

A job is an ``async (AsyncSession) -> None`` run in its own transaction. A failing job is
logged and dropped; a full queue drops the new job with a warning. Either way the caller,
which never awaited the write, carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database

log = logging.getLogger(__name__)
Job = Callable[[AsyncSession], Awaitable[None]]
QUEUE_LIMIT = 10_000


class BackgroundWriter:
    def __init__(self, db: Database, *, limit: int = QUEUE_LIMIT) -> None:
        self.db = db
        self._queue: asyncio.Queue[tuple[str, Job]] = asyncio.Queue(limit)
        self._task: asyncio.Task[None] | None = None
        self.closed = False
        self.failures = 0

    def submit(self, name: str, job: Job) -> bool:
        """Queue a write; never blocks, never raises. False when it was dropped."""
        if self.closed:
            log.warning("db.write_dropped job=%s reason=closed", name)
            return False
        try:
            self._queue.put_nowait((name, job))
        except asyncio.QueueFull:
            log.warning("db.write_dropped job=%s reason=queue_full", name)
            return False
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="db-writer")

    async def _drain(self) -> None:
        while True:
            name, job = await self._queue.get()
            try:
                async with self.db.session() as session:
                    await job(session)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("db.write_failed job=%s", name)
            finally:
                self._queue.task_done()

    async def flush(self, within: float = 10.0) -> None:
        """Wait until everything queued so far is written (or has failed)."""
        if self._task is None or self._task.done():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._queue.join()

    async def close(self, within: float = 10.0) -> None:
        """Write what is queued (within ``within`` seconds), then stop."""
        await self.flush(within)
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
