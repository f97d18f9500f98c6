"""The grid's unit tests: distributors over FakeNodes with their scheduling loop running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from hub.grid.distributor import Distributor
from hub.grid.submit import Grid, SessionDefaults
from tests.unit.grid.fake_node import FakeNode, make_distributor

RunningGrid = Callable[..., tuple[Distributor, Grid]]


@pytest.fixture
async def running() -> AsyncIterator[RunningGrid]:
    """``running(*nodes, defaults=None)``: a distributor over ``nodes`` whose loop runs, and
    the Grid in front of it; both stopped after the test."""
    made: list[tuple[Distributor, asyncio.Task[None]]] = []

    def start(*nodes: FakeNode, defaults: SessionDefaults | None = None
              ) -> tuple[Distributor, Grid]:
        distributor = make_distributor(*nodes)
        made.append((distributor, asyncio.create_task(distributor.run())))
        return distributor, Grid(distributor, request_timeout=30, defaults=defaults)

    yield start
    for distributor, task in made:
        task.cancel()
        await distributor.shutdown()
        await asyncio.gather(task, return_exceptions=True)
