"""Background tasks that end with their owner: cancel them, then wait for each."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]]) -> None:
    """Cancel every task, then await each so none outlives the cleanup context that owns it."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def every(interval: float, work: Callable[[], Awaitable[object]], failure: str, *,
                first: bool = False) -> None:
    """Run ``work`` every ``interval`` seconds until cancelled (``first``: once at once too).
    A round that fails is logged as ``failure`` and the next one runs: a loop that ended on
    one error would stop for good, unnoticed."""
    if not first:
        await asyncio.sleep(interval)
    while True:
        try:
            await work()
        except Exception:
            log.exception(failure)
        await asyncio.sleep(interval)
