"""A request that waits in a full hub's queue leaves it for another hub with room
(``Grid.overflow``, set by hub/peers); one placed here, or starting, never does."""

from __future__ import annotations

import asyncio

import pytest

from hub.grid.queue import SessionRequest
from hub.grid.submit import Overflow
from tests.unit.grid.fake_node import FakeNode

CHROME = [{"browserName": "chrome"}]


async def test_a_waiting_request_is_handed_to_a_hub_with_room(running):
    node = FakeNode("a")
    distributor, grid = running(node)
    asked: list[SessionRequest] = []

    async def room(request: SessionRequest) -> str | None:
        asked.append(request)
        return "hub-b" if len(asked) >= 2 else None  # the second time it asks, b has room

    grid.overflow, grid.overflow_after = room, 0.05
    first = await grid.submit(grid.request(CHROME))  # placed at once: nobody is asked
    assert asked == [] and first.slots.node is node
    waiting = grid.request(CHROME)
    with pytest.raises(Overflow) as moved:
        await grid.submit(waiting)
    assert moved.value.target == "hub-b" and asked == [waiting, waiting]
    assert distributor.waiting() == [], "it left the queue"
    await distributor.end_session(first, "done")
    await asyncio.sleep(0.05)
    assert distributor.session_count == 0, "no session started for the handed-on request"


async def test_a_request_already_starting_here_stays(running):
    node = FakeNode("a")
    release = node.hold_next()
    _, grid = running(node)
    asked: list[SessionRequest] = []

    async def room(request: SessionRequest) -> str:
        asked.append(request)
        return "hub-b"

    grid.overflow, grid.overflow_after = room, 0.05
    starting = asyncio.create_task(grid.submit(grid.request(CHROME)))
    await asyncio.wait_for(node.starting.wait(), 5)
    await asyncio.sleep(0.2)  # several rounds of asking would have passed
    release.set()
    session = await starting
    assert asked == [] and session.slots.node is node
