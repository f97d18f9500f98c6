"""The recordings repository the video recorder writes through."""

from __future__ import annotations

import datetime as dt

from hub.db import recordings, users
from hub.db.engine import Database


async def make_user(db: Database, email: str) -> users.UserInfo:
    return await users.create_user(db, email=email, password_hash="x")


async def test_a_recording_goes_from_recording_to_ready(db: Database) -> None:
    owner = await make_user(db, "rec@example.com")
    rec = await recordings.create(db, session_id="s1", owner=owner, path="/v/s1.mp4",
                                  name="login test")
    assert rec.status == "recording" and rec.owner_id == owner.id and rec.ended_at is None
    done = await recordings.finish(db, rec.id, size=12345, duration=4.5)
    assert done is not None
    assert (done.status, done.size, done.duration) == ("ready", 12345, 4.5)
    assert done.ended_at is not None and done.ended_at >= done.started_at
    assert (await recordings.get(db, rec.id)) == done


async def test_a_failed_recording_keeps_why(db: Database) -> None:
    rec = await recordings.create(db, session_id="s2", path="/v/s2.mp4", name="x")
    failed = await recordings.fail(db, rec.id, "ffmpeg exited with 1")
    assert failed is not None
    assert (failed.status, failed.error) == ("failed", "ffmpeg exited with 1")


async def test_another_users_recording_reads_as_missing(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    rec = await recordings.create(db, session_id="s3", owner=alice.id, path="/p", name="a")
    assert await recordings.get(db, rec.id, owner_id=bob.id) is None
    assert await recordings.list_recordings(db, owner_id=bob.id) == []
    assert await recordings.delete_recording(db, rec.id, owner_id=bob.id) is None
    assert await recordings.get(db, rec.id, owner_id=alice.id) is not None
    assert [r.id for r in await recordings.list_recordings(db)] == [rec.id]


async def test_list_filters_and_delete(db: Database) -> None:
    first = await recordings.create(db, session_id="a", path="/a", name="a")
    second = await recordings.create(db, session_id="b", path="/b", name="b")
    await recordings.finish(db, second.id, size=1)
    assert [r.id for r in await recordings.list_recordings(db, status="ready")] == [second.id]
    assert [r.id for r in await recordings.list_recordings(db, session_id="a")] == [first.id]
    removed = await recordings.delete_recording(db, first.id)
    assert removed is not None and removed.path == "/a"
    assert await recordings.get(db, first.id) is None
    assert await recordings.finish(db, "no-such-id", size=1) is None


async def test_list_filters_by_time_window_and_name_in_the_database(db: Database) -> None:
    base = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    made = {}
    for hours, name in ((0, "Login_Test.mp4"), (1, "checkout 100%.mp4"), (2, "login-test.mp4")):
        rec = await recordings.create(db, session_id=name, path=f"/{name}", name=name,
                                      started_at=base + dt.timedelta(hours=hours))
        made[name] = rec.id

    async def names(**filters: object) -> list[str]:
        return [r.name for r in await recordings.list_recordings(db, **filters)]

    assert await names(name="LOGIN") == ["login-test.mp4", "Login_Test.mp4"]
    assert await names(name="100%") == ["checkout 100%.mp4"]
    assert await names(name="n_t") == ["Login_Test.mp4"]  # "_" is not a wildcard
    assert await names(name="%") == ["checkout 100%.mp4"]
    assert await names(since=base + dt.timedelta(hours=1)) == ["login-test.mp4",
                                                                "checkout 100%.mp4"]
    assert await names(until=base + dt.timedelta(hours=1)) == ["Login_Test.mp4"]
    assert await names(since=base, until=base + dt.timedelta(hours=2), name="login") == [
        "Login_Test.mp4"]
    assert await names(since=base + dt.timedelta(hours=3)) == []
