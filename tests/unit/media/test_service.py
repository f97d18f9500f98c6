import asyncio
import datetime as dt
import os
import shutil
import subprocess
import time

import pytest

from hub.media.catalog import JsonCatalog, Search
from hub.media.service import RecordingService
from hub.screens import work_path
from tests.support.videos import decode_every_frame, fragmented_sample

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def videos(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


@pytest.fixture
def service(videos, hub_id):
    return RecordingService(JsonCatalog(videos), None, hub_id=hub_id, recording_dir=videos,
                            retention_days=7)


@pytest.fixture(scope="module")
def sample_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "sample.mp4"
    args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                       "color=c=red:s=160x120:d=2:r=10", "-c:v", "libx264", "-preset",
                       "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]
    subprocess.run(args, check=True, timeout=60)
    return path


async def _recording(service, videos, source, name, days_old, status="ready"):
    path = videos / name
    shutil.copy(source, path)
    info = await service.catalog.create(session_id=name, path=str(path), name=name, owner=None,
                                        started_at=NOW - dt.timedelta(days=days_old))
    if status == "ready":
        await service.catalog.finish(info.id, size=1, duration=2.0, ended_at=NOW)
    return info


async def test_retention_deletes_old_files_and_metadata_only(service, videos, sample_video):
    old = await _recording(service, videos, sample_video, "old.mp4", days_old=8)
    new = await _recording(service, videos, sample_video, "new.mp4", days_old=1)
    stray = videos / "stray.mp4"
    shutil.copy(sample_video, stray)
    ancient = time.time() - 30 * 86400
    os.utime(stray, (ancient, ancient))
    assert await service.sweep() == 2
    assert not (videos / "old.mp4").exists() and not stray.exists()
    assert (videos / "new.mp4").exists()
    assert await service.catalog.get(old.id) is None
    assert await service.catalog.get(new.id) is not None


async def test_retention_zero_keeps_everything(videos, hub_id, sample_video):
    service = RecordingService(JsonCatalog(videos), None, hub_id=hub_id, recording_dir=videos,
                               retention_days=0)
    await _recording(service, videos, sample_video, "old.mp4", days_old=4000)
    assert await service.sweep() == 0
    assert (videos / "old.mp4").exists()


async def test_recordings_a_dead_hub_left_open_are_settled(service, videos, sample_video):
    playable = await _recording(service, videos, sample_video, "done.mp4", 0, status="recording")
    (videos / "torn.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom half a file")
    torn = await service.catalog.create(session_id="torn", path=str(videos / "torn.mp4"),
                                        name="torn.mp4", owner=None, started_at=NOW)
    gone = await service.catalog.create(session_id="gone", path=str(videos / "gone.mp4"),
                                        name="gone.mp4", owner=None, started_at=NOW)
    assert await service.settle_interrupted() == 3
    kept = await service.catalog.get(playable.id)
    # the whole file is kept whole, and still marked cut short: its hub died in the session
    assert kept.status == "partial" and 1.5 < kept.duration < 2.5, "a whole file is kept whole"
    assert kept.error == "the hub stopped while recording", kept.error
    assert kept.size == (videos / "done.mp4").stat().st_size
    assert (await service.catalog.get(torn.id)).status == "failed"
    assert (await service.catalog.get(gone.id)).status == "failed"
    assert await service.catalog.search(Search(status="recording")) == []


async def test_fragments_a_killed_hub_left_are_kept_up_to_the_cut(service, videos, hub_id):
    path = videos / "cut.mp4"
    work = work_path(path)
    await asyncio.to_thread(fragmented_sample, work, 6)
    data = work.read_bytes()
    work.write_bytes(data[:data.rindex(b"moof") + 60])  # torn inside the last fragment
    info = await service.catalog.create(session_id="cut", path=str(path), name="cut.mp4",
                                        owner=None, started_at=NOW)
    assert await service.settle_interrupted() == 1
    cut = await service.catalog.get(info.id)
    assert cut.status == "partial" and 4.0 <= cut.duration <= 5.5
    assert cut.error == "the hub stopped while recording"
    assert not work.exists() and path.exists()
    await asyncio.to_thread(decode_every_frame, path)


async def test_a_finished_fragmented_file_is_ready_whatever_the_recorder_said(
        service, videos):
    path = videos / "whole.mp4"
    await asyncio.to_thread(fragmented_sample, work_path(path), 3)
    info = await service.catalog.create(session_id="whole", path=str(path), name="whole.mp4",
                                        owner=None, started_at=NOW)
    await service.complete(info.id, path, NOW, partial="the browser container stopped")
    whole = await service.catalog.get(info.id)
    assert (whole.status, whole.error) == ("ready", None)
    assert 2.5 <= whole.duration <= 3.5


async def test_close_waits_for_nothing_when_idle(service):
    await asyncio.wait_for(service.close(), 5)


async def test_recordings_of_dead_hubs_on_a_shared_database_are_settled_and_no_other(
    tmp_path, videos, hub_id, sample_video,
):
    from hub.db import migrate
    from hub.db.engine import Database
    from hub.db.models import SessionRow
    from hub.media.catalog import DbCatalog

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
    await migrate.upgrade(db)
    service = RecordingService(DbCatalog(db), None, hub_id=hub_id, recording_dir=videos,
                               retention_days=7)
    try:
        async with db.session() as session:
            for session_id, owner in (("far", "dead-elsewhere"), ("near.mp4", "dead-here"),
                                      ("live.mp4", "alive"), ("mine.mp4", hub_id)):
                session.add(SessionRow(id=session_id, hub_id=owner, state="running"))
        far = await service.catalog.create(  # on the dead hub's machine: not here
            session_id="far", path="/var/lib/tggrid/recordings/far.mp4", name="far.mp4",
            owner=None, started_at=NOW)
        near = await _recording(service, tmp_path, sample_video, "near.mp4", 0, "recording")
        live = await _recording(service, videos, sample_video, "live.mp4", 0, "recording")
        mine = await _recording(service, videos, sample_video, "mine.mp4", 0, "recording")
        no_row = await _recording(service, videos, sample_video, "no-row.mp4", 0, "recording")

        alive = {hub_id, "alive"}
        assert await service.settle_interrupted(alive, by_directory=False) == 2

        failed = await service.catalog.get(far.id)
        assert failed.status == "failed"
        assert failed.error == "hub dead-elsewhere stopped while recording; no file"
        assert (await service.catalog.get(near.id)).status == "partial", "its file is here"
        for untouched in (live, mine, no_row):
            assert (await service.catalog.get(untouched.id)).status == "recording"
        assert await service.settle_interrupted(alive) == 1, "at start: by directory too"
        assert (await service.catalog.get(no_row.id)).status == "partial"
    finally:
        await db.close()
