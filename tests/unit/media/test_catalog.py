import datetime as dt
from collections.abc import AsyncIterator

import pytest

from hub.db import migrate, users
from hub.db.engine import Database
from hub.media.catalog import DbCatalog, JsonCatalog, RecordingCatalog, Search

T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["database", "json"])
async def catalog(request, tmp_path) -> AsyncIterator[RecordingCatalog]:
    if request.param == "json":
        yield JsonCatalog(tmp_path / "videos")
        return
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    await migrate.upgrade(db)
    yield DbCatalog(db)
    await db.close()


async def _add(catalog, session_id, name, hours, owner=None):
    return await catalog.create(session_id=session_id, path=f"/videos/{name}", name=name,
                                owner=owner, started_at=T0 + dt.timedelta(hours=hours))


async def test_lifecycle_recording_ready_failed(catalog):
    first = await _add(catalog, "s1", "a.mp4", 0)
    second = await _add(catalog, "s2", "b.mp4", 1)
    assert first.status == "recording"
    await catalog.finish(first.id, size=1234, duration=9.5, ended_at=T0)
    await catalog.fail(second.id, "ffmpeg exited with code -9")
    done = await catalog.get(first.id)
    assert (done.status, done.size, done.duration) == ("ready", 1234, 9.5)
    failed = await catalog.for_session("s2")
    assert (failed.status, failed.error) == ("failed", "ffmpeg exited with code -9")
    await catalog.delete(first.id)
    assert await catalog.get(first.id) is None
    assert await catalog.for_session("s1") is None


async def test_search_filters_by_time_name_status_and_owner(catalog):
    await _add(catalog, "s1", "login-test.mp4", 0)
    await _add(catalog, "s2", "checkout.mp4", 5)
    late = await _add(catalog, "s3", "login-again.mp4", 10)
    await catalog.finish(late.id, size=1, duration=1.0, ended_at=T0)

    def names(found):
        return sorted(info.name for info in found)

    assert names(await catalog.search(Search())) == [
        "checkout.mp4", "login-again.mp4", "login-test.mp4"]
    assert names(await catalog.search(Search(name="LOGIN"))) == [
        "login-again.mp4", "login-test.mp4"]
    window = Search(since=T0 + dt.timedelta(hours=1), until=T0 + dt.timedelta(hours=10))
    assert names(await catalog.search(window)) == ["checkout.mp4"]
    assert names(await catalog.search(Search(status="ready"))) == ["login-again.mp4"]
    newest_first = await catalog.search(Search())
    assert newest_first[0].name == "login-again.mp4"


async def _owners(catalog) -> tuple[int, int]:
    if not isinstance(catalog, DbCatalog):
        return 1, 2
    made = [await users.create_user(catalog.db, email=f"u{n}@example.com", password_hash="x")
            for n in (1, 2)]
    return made[0].id, made[1].id


async def test_owner_scoping_hides_other_users_recordings(catalog):
    me, them = await _owners(catalog)
    mine = await _add(catalog, "s1", "mine.mp4", 0, owner=me)
    await _add(catalog, "s2", "theirs.mp4", 0, owner=them)
    assert [i.name for i in await catalog.search(Search(owner_id=me))] == ["mine.mp4"]
    assert await catalog.get(mine.id, owner_id=them) is None
    assert (await catalog.get(mine.id, owner_id=me)).name == "mine.mp4"


async def test_json_catalog_refuses_ids_that_are_paths(tmp_path):
    catalog = JsonCatalog(tmp_path)
    assert await catalog.get("../../etc/passwd") is None
    await catalog.delete("../secret")
