"""The distributor's promises, over FakeNodes: what happens to a request, a slot and a session
when a start fails, crashes, is abandoned or is cut short by ``end_all``."""

from __future__ import annotations

import asyncio

import pytest

from hub.ending import EndCause
from hub.grid.distributor import Distributor
from hub.grid.queue import SessionRequest
from hub.grid.slots import DRAINING
from hub.grid.submit import Grid, SessionDefaults
from hub.w3c.errors import InvalidArgument, SessionNotCreated
from tests.unit.grid.fake_node import FakeNode, make_distributor, retryable, settle

CHROME = [{"browserName": "chrome"}]
FIREFOX = [{"browserName": "firefox"}]


async def test_retryable_failure_requeues_the_request_at_the_front():
    fails, draining = FakeNode("a"), FakeNode("b", ("chrome", "firefox"))
    fails.fail_next(retryable())
    distributor = make_distributor(fails, draining)
    distributor.nodes["b"].availability = DRAINING  # could serve later, not now
    first, second = SessionRequest(CHROME), SessionRequest(FIREFOX)
    distributor.enqueue(first)
    distributor.enqueue(second)
    distributor.assign()
    await settle()
    assert distributor.waiting() == [first, second]
    assert first.excluded_nodes == {"a"}
    assert not first.future.done()
    assert distributor.nodes["a"].busy == 0


async def start_failing(error: BaseException) -> tuple[Distributor, SessionRequest]:
    """One node whose next start raises ``error``, and one request scheduled onto it."""
    node = FakeNode("a")
    node.fail_next(error)
    distributor = make_distributor(node)
    request = SessionRequest(CHROME)
    distributor.enqueue(request)
    distributor.assign()
    await settle()
    return distributor, request


async def test_retryable_failure_with_no_other_node_fails_at_once_with_its_cause():
    distributor, request = await start_failing(retryable("chromedriver exited"))
    with pytest.raises(SessionNotCreated, match="chromedriver exited"):
        await request.future
    assert distributor.queued == 0


async def test_a_crash_in_the_node_frees_the_slot_and_fails_the_request():
    distributor, request = await start_failing(RuntimeError("boom"))
    with pytest.raises(SessionNotCreated, match=r"failed to start a browser.*boom"):
        await request.future
    assert distributor.nodes["a"].busy == 0
    assert distributor.nodes["a"].has_room


async def test_an_abandoned_request_ends_the_session_that_started_for_it(running):
    node = FakeNode("a")
    release = node.hold_next()
    distributor, grid = running(node)
    client = asyncio.create_task(grid.submit(grid.request(CHROME)))
    await asyncio.wait_for(node.starting.wait(), 5)
    client.cancel()  # the client went away while its browser started
    with pytest.raises(asyncio.CancelledError):
        await client
    release.set()
    for _ in range(100):
        if node.stopped:
            break
        await asyncio.sleep(0.01)
    assert node.stopped == node.started and len(node.started) == 1
    assert distributor.session_count == 0
    assert distributor.nodes["a"].busy == 0


async def test_end_all_cancels_starts_in_flight_and_ends_running_sessions(running):
    node = FakeNode("a", max_sessions=2)
    distributor, grid = running(node)
    session = await grid.submit(grid.request(CHROME))
    node.starting.clear()
    node.hold_next()  # never released
    waiting = asyncio.create_task(grid.submit(grid.request(CHROME)))
    await asyncio.wait_for(node.starting.wait(), 5)
    await distributor.end_all("the hub is fenced", failed=True)
    with pytest.raises(SessionNotCreated):
        await waiting
    assert session.ended and session.end_cause is EndCause.FAILED
    assert session.end_reason == "the hub is fenced"
    assert node.stopped == [session.node_session]
    assert distributor.nodes["a"].busy == 0


async def test_the_grid_parses_options_once_with_the_hub_defaults(running):
    node = FakeNode("a")
    _, grid = running(node, defaults=SessionDefaults(enable_vnc=True))
    request = grid.request([{"browserName": "chrome", "tggrid:options": {"name": "t1"}}])
    session = await grid.submit(request)
    assert session.options is request.options[0] is node.options_seen[0]
    assert session.options.enable_vnc and session.options.name == "t1"


async def test_bad_options_and_unservable_requests_fail_before_queueing():
    distributor = make_distributor(FakeNode("a"))
    grid = Grid(distributor, request_timeout=30)
    with pytest.raises(InvalidArgument, match="screenResolution"):
        grid.request([{"browserName": "chrome",
                       "tggrid:options": {"screenResolution": "huge"}}])
    with pytest.raises(SessionNotCreated, match="This grid offers: chrome"):
        grid.request(FIREFOX)
    assert distributor.queued == 0


async def test_a_paused_grid_turns_requests_away_until_resumed():
    distributor = make_distributor(FakeNode("a"))
    grid = Grid(distributor, request_timeout=30)
    distributor.pause("the database is unreachable")
    assert not distributor.taking
    with pytest.raises(SessionNotCreated, match="database is unreachable"):
        await grid.submit(grid.request(CHROME))
    distributor.resume()
    assert distributor.taking and distributor.paused_for is None
