"""The grid's unit tests: a fixture that runs distributors' scheduling loops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.grid.distributor import Distributor


@pytest.fixture
async def running() -> AsyncIterator[list[Distributor]]:
    """Runs the scheduling loop of the distributors a test appends, and stops it."""
    started: list[Distributor] = []
    tasks: list[asyncio.Task[None]] = []

    async def watch() -> None:
        while True:
            for distributor in started[len(tasks):]:
                tasks.append(asyncio.create_task(distributor.run()))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    yield started
    watcher.cancel()
    for task in tasks:
        task.cancel()
    for distributor in started:
        await distributor.shutdown()
    await asyncio.gather(watcher, *tasks, return_exceptions=True)
