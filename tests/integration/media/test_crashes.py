"""Whatever dies mid-session, the video up to about a second before is kept and served.

Each test kills something with SIGKILL (no chance to finish the file), then downloads the
video from the hub, probes it and decodes every frame.
"""

from __future__ import annotations

import signal
import time

import psutil

from tests.integration.media.conftest import open_session, probe, show, wait_for_video
from tests.integration.media.test_lifecycle import status_of
from tests.support.videos import decode_every_frame


def _encoder(hub, but_not: int | None = None, timeout: float = 30) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while True:
        found = [p for p in hub.descendants() if p.name() == "ffmpeg" and p.pid != but_not]
        if found or time.monotonic() > deadline:
            [encoder] = found
            return encoder
        time.sleep(0.1)


def _played(url: str, tmp_path, name: str) -> float:
    status, headers, video = wait_for_video(url)
    assert status == 200, video
    assert headers["Content-Type"] == "video/mp4"
    path = tmp_path / name
    path.write_bytes(video)
    codec, duration = probe(path)
    assert codec == "h264"
    head = video[:4096]
    assert b"moov" in head, "an index up front, so players can seek"
    decode_every_frame(path)
    return duration


def test_ffmpeg_killed_early_is_restarted_and_killed_later_leaves_a_partial_video(
        media_hub, tmp_path):
    driver = open_session(media_hub, enableVideo=True)
    try:
        first = _encoder(media_hub)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        second = _encoder(media_hub, but_not=first.pid)  # started again: it died at once
        for colour in ("red", "lime", "blue", "white"):
            show(driver, colour)
            time.sleep(2)
        second.send_signal(signal.SIGKILL)
        second.wait(30)
        recording = status_of(media_hub, driver.session_id)
        assert recording["status"] == "partial", recording
        assert "ffmpeg exited with code -9 while recording" in recording["error"]
        show(driver, "red")  # the session goes on
        assert driver.execute_script("return document.body.style.background") == "red"
    finally:
        driver.quit()
    url = f"{media_hub.url}/api/sessions/{driver.session_id}/video"
    duration = _played(url, tmp_path, "partial.mp4")
    assert duration >= 8 - 2, duration
    assert abs(recording["duration"] - duration) < 0.5


def test_a_killed_hub_leaves_a_partial_video_the_next_hub_serves(hub_factory, tmp_path):
    data = tmp_path / "data"
    first = hub_factory("--data-dir", str(data))
    driver = open_session(first, enableVideo=True, videoName="killed-hub")
    began = time.monotonic()
    for colour in ("red", "lime", "blue"):
        show(driver, colour)
        time.sleep(2)
    recorded = time.monotonic() - began
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert list((data / "recordings").glob("killed-hub.mp4.rec"))

    second = hub_factory("--data-dir", str(data))
    recording = status_of(second, driver.session_id)
    assert recording["status"] == "partial", recording
    assert recording["error"].endswith("stopped while recording"), recording
    assert not list((data / "recordings").glob("*.rec"))
    duration = _played(f"{second.url}/api/sessions/{driver.session_id}/video", tmp_path,
                       "killed-hub.mp4")
    assert recorded - 2.5 <= duration <= recorded + 1, (duration, recorded)


def _session_row(hub, session_id: str, timeout: float = 30) -> dict:
    """The session's history row once it has ended (or what there is at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        status, row = hub.request("GET", f"/api/sessions/{session_id}")
        if (status == 200 and row.get("state") != "running") or time.monotonic() > deadline:
            return row
        time.sleep(0.25)


def test_a_killed_browser_ends_its_silent_session_and_finishes_its_video(media_hub, tmp_path):
    driver = open_session(media_hub, enableVideo=True)
    show(driver, "lime")
    time.sleep(2)
    [chromedriver] = [p for p in media_hub.descendants() if p.name() == "chromedriver"]
    [browser] = chromedriver.children()
    browser.send_signal(signal.SIGKILL)  # the client says nothing from here on
    row = _session_row(media_hub, driver.session_id)  # within 30 s, not the 300 s idle timeout
    assert row["state"] == "failed", row
    assert "the browser process exited" in row["endReason"]
    deadline = time.monotonic() + 30
    while driver.session_id in str(media_hub.request("GET", "/status")[1]):
        assert time.monotonic() < deadline, "its slot is never freed"
        time.sleep(0.25)
    duration = _played(f"{media_hub.url}/api/sessions/{driver.session_id}/video", tmp_path,
                       "killed-browser.mp4")
    assert duration >= 2
    assert status_of(media_hub, driver.session_id)["status"] == "ready"

