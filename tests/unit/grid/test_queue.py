import asyncio

import pytest

from hub.grid.queue import NewSessionQueue, SessionRequest
from hub.w3c.errors import SessionNotCreated


async def test_fifo_order_and_removal():
    queue = NewSessionQueue()
    first, second, third = (SessionRequest([{}]) for _ in range(3))
    for request in (first, second, third):
        queue.add(request)
    assert list(queue) == [first, second, third]
    assert queue.remove(second)
    assert not queue.remove(second)
    assert list(queue) == [first, third]


async def test_clear_fails_every_waiting_request():
    queue = NewSessionQueue()
    requests = [SessionRequest([{}]) for _ in range(2)]
    for request in requests:
        queue.add(request)
    assert queue.clear("cleared") == 2
    assert len(queue) == 0
    for request in requests:
        with pytest.raises(SessionNotCreated, match="cleared"):
            await request.future


async def test_expire_only_old_requests():
    queue = NewSessionQueue()
    old, new = SessionRequest([{}]), SessionRequest([{}])
    old.enqueued_at -= 100
    queue.add(old)
    queue.add(new)
    assert queue.expire(50) == 1
    assert list(queue) == [new]
    with pytest.raises(SessionNotCreated, match="timed out"):
        await old.future


async def test_closed_queue_refuses_and_fails_waiting():
    queue = NewSessionQueue()
    waiting = SessionRequest([{}])
    queue.add(waiting)
    queue.close("shutting down")
    with pytest.raises(SessionNotCreated):
        await waiting.future
    with pytest.raises(SessionNotCreated, match="shutting down"):
        queue.add(SessionRequest([{}]))


async def test_cancelled_request_is_abandoned():
    request = SessionRequest([{}])
    request.future.cancel()
    assert request.abandoned
    request.fail(SessionNotCreated("late"))  # no error on a settled request
    await asyncio.sleep(0)


async def test_a_paused_queue_turns_requests_away_with_the_reason_until_resumed():
    queue = NewSessionQueue()
    waiting = SessionRequest([{}])
    queue.add(waiting)
    queue.pause("cut off from the database")
    assert not queue.taking and not queue.closed
    with pytest.raises(SessionNotCreated, match="cut off from the database"):
        await waiting.future
    with pytest.raises(SessionNotCreated, match="cut off from the database"):
        queue.add(SessionRequest([{}]))
    assert len(queue) == 0
    queue.resume()
    assert queue.taking
    queue.add(SessionRequest([{}]))
    assert len(queue) == 1
