"""Brute-force throttling by account and by address, in the shared database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from hub.auth.throttle import Throttle
from hub.db.engine import Database
from hub.db.models import LoginFailures


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def rows(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(LoginFailures)))
                   .scalar_one())


async def test_five_failures_lock_the_account_for_fifteen_minutes(db: Database) -> None:
    clock = Clock()
    throttle = Throttle(db, clock=clock)
    assert [await throttle.failure("ann", "1.1.1.1") for _ in range(5)] == [False] * 4 + [True]
    assert await throttle.locked_for("ann", "2.2.2.2") == 900
    assert await throttle.locked_for("bob", "2.2.2.2") == 0
    clock.now += 899
    assert await throttle.locked_for("ann", "3.3.3.3") == 1
    clock.now += 1
    assert await throttle.locked_for("ann", "3.3.3.3") == 0


async def test_a_restarted_hub_keeps_the_lock(db: Database) -> None:
    clock = Clock()
    for _ in range(5):
        await Throttle(db, clock=clock).failure("ann", "1.1.1.1")
    assert await Throttle(db, clock=clock).locked_for("ann", "1.1.1.1") == 900


async def test_failures_age_out_of_the_window(db: Database) -> None:
    clock = Clock()
    throttle = Throttle(db, clock=clock)
    for _ in range(4):
        await throttle.failure("ann", "1.1.1.1")
    clock.now += 901
    assert await throttle.failure("ann", "1.1.1.1") is False
    assert await throttle.locked_for("ann", "1.1.1.1") == 0


async def test_success_forgives_the_account_but_not_the_address(db: Database) -> None:
    clock = Clock()
    throttle = Throttle(db, clock=clock, address_limit=6)
    for _ in range(4):
        await throttle.failure("ann", "1.1.1.1")
    await throttle.success("ann")
    assert await throttle.failure("ann", "1.1.1.1") is False
    assert await throttle.failure("bob", "1.1.1.1") is True  # the sixth from this address
    assert await throttle.locked_for("carol", "1.1.1.1") > 0
    assert await throttle.locked_for("carol", "9.9.9.9") == 0


async def test_one_address_trying_many_accounts_is_locked(db: Database) -> None:
    throttle = Throttle(db, clock=Clock())
    for number in range(19):
        assert await throttle.failure(f"user{number}", "6.6.6.6") is False
    assert await throttle.failure("user19", "6.6.6.6") is True
    assert await throttle.locked_for("fresh", "6.6.6.6") > 0


async def test_concurrent_failures_on_two_hubs_are_all_counted(database_url: str,
                                                               db: Database) -> None:
    other = Database(database_url)  # a second hub: its own engine and connections
    try:
        clock = Clock()
        hubs = [Throttle(hub, clock=clock, address_limit=10) for hub in (db, other)]
        results = await asyncio.gather(*(hubs[n % 2].failure("ann", f"10.0.0.{n}")
                                         for n in range(5)))
        assert sorted(results) == [False] * 4 + [True]
        assert await hubs[1].locked_for("ann", "10.9.9.9") == 900
        results = await asyncio.gather(*(hubs[n % 2].failure(f"user{n}", "7.7.7.7")
                                         for n in range(10)))
        assert results.count(True) == 1, "the tenth failure from one address locks it"
        assert await hubs[0].locked_for("fresh", "7.7.7.7") == 900
    finally:
        await other.close()


async def test_long_junk_accounts_are_counted_too(db: Database) -> None:
    throttle = Throttle(db, clock=Clock())
    junk = "x" * 5000 + "@example.com"
    for _ in range(5):
        await throttle.failure(junk, "1.1.1.1")
    assert await throttle.locked_for(junk, "2.2.2.2") == 900
    assert await throttle.locked_for("x" * 4999 + "@example.com", "2.2.2.2") == 0


async def test_prune_drops_only_rows_neither_locked_nor_recent(db: Database) -> None:
    clock = Clock()
    throttle = Throttle(db, clock=clock)
    for _ in range(5):
        await throttle.failure("locked", "1.1.1.1")
    await throttle.failure("old", "2.2.2.2")
    clock.now += 600
    await throttle.failure("recent", "3.3.3.3")
    clock.now += 600  # "old" and its address left the window; "locked" is free again
    assert await throttle.prune() == 4
    assert await rows(db) == 2  # "recent" and its address
    assert await throttle.failure("recent", "3.3.3.3") is False
    clock.now += 3600
    await throttle.failure("later", "4.4.4.4")  # pruning runs now and then on a failure
    assert await rows(db) == 2
