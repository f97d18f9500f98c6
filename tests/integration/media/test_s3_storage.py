"""A hub keeping its videos in an S3 emulator (moto's server mode on 127.0.0.1)."""

from __future__ import annotations

import time

import pytest

from tests.integration.media.conftest import fetch, open_session, show, wait_for_video
from tests.integration.media.test_lifecycle import status_of
from tests.support.s3_emulator import S3Emulator


@pytest.fixture
def emulator():
    server = S3Emulator().start()
    yield server
    server.stop()


def test_videos_in_an_s3_emulator_are_served_with_ranges_and_deleted(
        hub_factory, emulator, tmp_path):
    hub = hub_factory(*emulator.hub_args())
    driver = open_session(hub, enableVideo=True, videoName="to-s3")
    show(driver, "red")
    time.sleep(1)
    driver.quit()
    recording = status_of(hub, driver.session_id)
    assert recording["status"] == "ready", recording
    deadline = time.monotonic() + 60
    while not (objects := emulator.objects()):
        assert time.monotonic() < deadline, "never uploaded"
        time.sleep(0.25)
    [(key, stored)] = objects.items()
    assert key == f"recordings/{recording['id']}/to-s3.mp4"
    local = hub.data_dir / "recordings" / "to-s3.mp4"
    deadline = time.monotonic() + 30
    while local.exists():  # removed once the bucket has it
        assert time.monotonic() < deadline
        time.sleep(0.1)

    url = f"{hub.url}/api/sessions/{driver.session_id}/video"
    status, headers, whole = wait_for_video(url)
    assert (status, headers["Content-Type"], whole) == (200, "video/mp4", stored)
    status, headers, part = fetch(url, {"Range": "bytes=0-99"})
    assert (status, part, headers["Content-Range"]) == (206, stored[:100],
                                                       f"bytes 0-99/{len(stored)}")
    status, headers, _ = fetch(url, {"Range": f"bytes={len(stored) + 10}-"})
    assert (status, headers["Content-Range"]) == (416, f"bytes */{len(stored)}")

    status, _ = hub.request("DELETE", f"/api/recordings/{recording['id']}")
    assert status == 204
    assert emulator.objects() == {}
    assert fetch(url)[0] == 404
