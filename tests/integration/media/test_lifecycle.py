"""Recordings through restarts and retention (crashes: test_crashes.py)."""

from __future__ import annotations

import time

from tests.integration.media.conftest import fetch, open_session, show, wait_for_video


def recordings_of(hub) -> list[dict]:
    status, body = hub.request("GET", "/api/recordings")
    assert status == 200, body
    return body["recordings"]


def status_of(hub, session_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in recordings_of(hub) if r["sessionId"] == session_id]
        if found and (found[0]["status"] != "recording" or time.monotonic() > deadline):
            return found[0]
        time.sleep(0.25)


def test_recordings_survive_a_restart_and_retention_deletes_old_ones(hub_factory, tmp_path):
    data = tmp_path / "data"
    first = hub_factory("--data-dir", str(data))
    driver = open_session(first, enableVideo=True, videoName="kept")
    show(driver, "white")
    driver.quit()
    url = f"/api/sessions/{driver.session_id}/video"
    status, _, video = wait_for_video(first.url + url)
    assert status == 200
    running = open_session(first, enableVideo=True, videoName="cut-short")
    show(running, "white")
    assert first.stop() == 0  # with the session still running: its video is finished

    second = hub_factory("--data-dir", str(data))
    recordings = {r["name"]: r for r in recordings_of(second)}
    assert {name: r["status"] for name, r in recordings.items()} == {
        "kept.mp4": "ready", "cut-short.mp4": "ready"}
    assert recordings["cut-short.mp4"]["duration"] > 0
    status, _, again = fetch(second.url + url)
    assert (status, again) == (200, video)
    second.stop()

    # A retention of a few milliseconds makes the recording old at the next start.
    third = hub_factory("--data-dir", str(data), "--recording-retention-days", "0.0000001")
    assert recordings_of(third) == []
    assert fetch(third.url + url)[0] == 404
    assert list((data / "recordings").glob("*.mp4")) == []


def test_global_settings_record_and_screen_every_session(hub_factory):
    hub = hub_factory("--enable-recording", "--enable-vnc")
    driver = open_session(hub)
    try:
        assert driver.capabilities["se:vncEnabled"] is True
        assert "tggrid:videoUrl" in driver.capabilities
        assert sorted(set(p.name() for p in hub.descendants()) & {"Xvfb", "x11vnc", "ffmpeg"}
                      ) == ["Xvfb", "ffmpeg", "x11vnc"]
    finally:
        driver.quit()
    assert wait_for_video(driver.capabilities["tggrid:videoUrl"])[0] == 200
