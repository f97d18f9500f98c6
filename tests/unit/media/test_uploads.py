"""Uploads to an S3 emulator (moto's server mode, a real HTTP server on 127.0.0.1)."""

import asyncio
import datetime as dt
import os

import pytest

from hub.media.catalog import JsonCatalog
from hub.media.s3 import S3Settings, S3Store
from hub.media.service import RecordingService
from hub.media.uploads import Uploader
from tests.support.s3_emulator import ACCESS_KEY, REGION, SECRET_KEY, S3Emulator

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def emulator():
    server = S3Emulator().start()
    yield server
    server.stop()


@pytest.fixture
def service(tmp_path, hub_id, emulator):
    videos = tmp_path / "recordings"
    videos.mkdir()
    service = RecordingService(JsonCatalog(videos), None, hub_id=hub_id, recording_dir=videos,
                               retention_days=7)
    store = S3Store(S3Settings(bucket=emulator.bucket, prefix="videos/",
                               endpoint_url=emulator.url, region=REGION,
                               access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY))
    service.uploader = Uploader(store, service.catalog, videos, retry_first=0.2, retry_max=1)
    return service


async def until(condition) -> None:
    async with asyncio.timeout(120):
        while not condition():  # noqa: ASYNC110 - the uploader has no event to wait on
            await asyncio.sleep(0.01)


async def _ready(service, name: str, data: bytes, days_old: float = 0):
    path = service.recording_dir / name
    await asyncio.to_thread(path.write_bytes, data)
    info = await service.catalog.create(session_id=name, path=str(path), name=name, owner=None,
                                        started_at=NOW - dt.timedelta(days=days_old))
    await service.catalog.finish(info.id, size=len(data), duration=1.0, ended_at=NOW)
    return info


async def test_s3_emulator_going_away_mid_upload_is_retried_until_it_lands(service, emulator):
    uploader = service.uploader
    data = os.urandom(48 * 2**20)
    info = await _ready(service, "big.mp4", data)
    task = asyncio.create_task(uploader.run())
    try:
        uploader.submit(info.id)
        await until(lambda: uploader.uploading is not None)
        await asyncio.to_thread(emulator.stop)  # mid-upload: 48 MiB take moto a while
        await until(lambda: uploader.attempts >= 2)  # it failed, and tries against nothing
        assert (await service.catalog.get(info.id)).path == str(service.recording_dir /
                                                                "big.mp4")
        await asyncio.to_thread(emulator.start)  # back, and empty
        await asyncio.wait_for(uploader.idle(), 120)
    finally:
        task.cancel()
    moved = await service.catalog.get(info.id)
    key = f"videos/{info.id}/big.mp4"
    assert moved.path == f"s3://{emulator.bucket}/{key}"
    assert not (service.recording_dir / "big.mp4").exists()
    assert (await asyncio.to_thread(emulator.objects))[key] == data
    part = await uploader.store.download(key, "bytes=100-199")
    assert (part.status, part.headers["Content-Range"]) == (206, f"bytes 100-199/{len(data)}")
    assert b"".join([chunk async for chunk in part.chunks()]) == data[100:200]


async def test_retention_and_restarts_reach_the_bucket(service, emulator):
    uploader = service.uploader
    old = await _ready(service, "old.mp4", b"old video", days_old=30)
    new = await _ready(service, "new.mp4", b"new video")
    assert await uploader.resume() == 2  # a new hub finds what was never uploaded
    task = asyncio.create_task(uploader.run())
    try:
        await asyncio.wait_for(uploader.idle(), 60)
    finally:
        task.cancel()
    assert sorted(await asyncio.to_thread(emulator.objects)) == sorted(
        [f"videos/{old.id}/old.mp4", f"videos/{new.id}/new.mp4"])
    assert await uploader.resume() == 0
    assert await service.sweep() == 1
    assert list(await asyncio.to_thread(emulator.objects)) == [f"videos/{new.id}/new.mp4"]
    assert await service.catalog.get(old.id) is None
