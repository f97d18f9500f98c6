"""The hubs table: the alive rule, heartbeats, and failing the sessions of dead hubs."""

from __future__ import annotations

import asyncio
import datetime as dt

from hub.db import hubs, users
from hub.db.engine import Database
from hub.db.hubs import HubInfo, is_alive
from hub.db.models import SessionRow
from hub.db.sessions import get_session

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def hub(hub_id: str, *, seen: float = 0, stopped: bool = False, host: str = "a") -> HubInfo:
    """A hub row last seen ``seen`` seconds before NOW."""
    last_seen = NOW - dt.timedelta(seconds=seen)
    return HubInfo(id=hub_id, host=host, pid=1, url=f"http://{host}:4444",
                   started_at=last_seen - dt.timedelta(hours=1), last_seen_at=last_seen,
                   stopped_at=last_seen if stopped else None)


def test_a_hub_is_alive_until_it_stops_or_misses_heartbeats_for_dead_after() -> None:
    assert is_alive(hub("fresh", seen=44), NOW, dead_after=45)
    assert is_alive(hub("edge", seen=45), NOW, dead_after=45)
    assert not is_alive(hub("stale", seen=46), NOW, dead_after=45)
    assert not is_alive(hub("stopped", seen=0, stopped=True), NOW, dead_after=45)


async def running(db: Database, *pairs: tuple[str, str], owner: int | None = None) -> None:
    async with db.session() as session:
        for session_id, hub_id in pairs:
            session.add(SessionRow(id=session_id, hub_id=hub_id, state="running",
                                   owner_id=owner))


async def test_register_heartbeat_and_stop_round_trip(db: Database) -> None:
    await hubs.register(db, hub("me", seen=100))
    assert await hubs.heartbeat(db, "me", NOW)
    assert not await hubs.heartbeat(db, "nobody", NOW), "no row: the caller registers again"
    [row] = await hubs.list_hubs(db)
    assert row.last_seen_at == NOW and row.stopped_at is None and row.host == "a"
    assert await hubs.mark_stopped(db, "me", NOW)
    assert not await hubs.mark_stopped(db, "me", NOW + dt.timedelta(seconds=5)), "kept"
    [row] = await hubs.list_hubs(db)
    assert row.stopped_at == NOW
    await hubs.register(db, hub("me", seen=0))  # the same id again: alive again
    [row] = await hubs.list_hubs(db)
    assert row.stopped_at is None


async def test_sessions_of_stopped_stale_and_unknown_hubs_fail_naming_the_hub(
    db: Database,
) -> None:
    owner = await users.create_user(db, email="owner@example.com", password_hash="h")
    for row in (hub("me"), hub("alive", seen=10), hub("stale", seen=100),
                hub("stopped", stopped=True)):
        await hubs.register(db, row)
    await running(db, ("mine", "me"), ("theirs", "alive"), ("left", "stale"),
                  ("ended", "stopped"), ("old", "never-registered"), owner=owner.id)
    async with db.session() as session:
        session.add(SessionRow(id="closed", hub_id="stale", state="closed"))

    failed = await hubs.fail_sessions_of_dead_hubs(db, "me", NOW, dead_after=45)

    assert sorted((f.id, f.hub_id) for f in failed) == [
        ("ended", "stopped"), ("left", "stale"), ("old", "never-registered")]
    assert {f.owner_email for f in failed} == {"owner@example.com"}
    left = await get_session(db, "left")
    assert left is not None and (left["state"], left["failed"]) == ("failed", True)
    assert left["endReason"] == "hub stale stopped while the session ran" and left["endedAt"]
    for untouched, state in (("mine", "running"), ("theirs", "running"), ("closed", "closed")):
        row = await get_session(db, untouched)
        assert row is not None and row["state"] == state, untouched
    assert await hubs.fail_sessions_of_dead_hubs(db, "me", NOW, dead_after=45) == []


async def test_a_hub_never_fails_its_own_sessions_even_without_a_row(db: Database) -> None:
    await running(db, ("mine", "me"))
    assert await hubs.fail_sessions_of_dead_hubs(db, "me", NOW, dead_after=45) == []


async def test_two_hubs_settling_at_once_fail_each_session_once(db: Database) -> None:
    await hubs.register(db, hub("dead", seen=100))
    await running(db, *((f"s{n}", "dead") for n in range(20)))
    first, second = await asyncio.gather(
        hubs.fail_sessions_of_dead_hubs(db, "one", NOW, dead_after=45),
        hubs.fail_sessions_of_dead_hubs(db, "two", NOW, dead_after=45))
    ids = [f.id for f in first + second]
    assert sorted(ids) == sorted(f"s{n}" for n in range(20)), "each once, none missed"


async def test_rows_of_hubs_dead_for_longer_than_kept_are_forgotten(db: Database) -> None:
    week = dt.timedelta(days=7)
    for row in (hub("alive", seen=10), hub("stopped-lately", seen=3600, stopped=True),
                hub("stopped-long-ago", seen=8 * 86400, stopped=True),
                hub("silent-long-ago", seen=8 * 86400), hub("silent-lately", seen=86400)):
        await hubs.register(db, row)
    assert await hubs.forget_long_dead(db, NOW, week) == 2
    assert {row.id for row in await hubs.list_hubs(db)} == {
        "alive", "stopped-lately", "silent-lately"}
    assert await hubs.forget_long_dead(db, NOW, week) == 0
