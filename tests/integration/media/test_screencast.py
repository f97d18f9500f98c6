"""A Chromium recorded from its DevTools screencast (recording_capture = auto), played back.

The crash tests (test_crashes.py) run on the same path: Chromium's videos are screencast by
default.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time

from hub.media.screencast_recorder import MAX_HEARTBEAT
from tests.integration.media.conftest import (
    HEIGHT,
    WIDTH,
    open_session,
    pixel_at,
    probe,
    show,
    wait_for_video,
)
from tests.integration.media.test_lifecycle import status_of
from tests.integration.media.test_recording import _is
from tests.support.videos import decode_every_frame


def _frame_times(path) -> list[float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=pts_time", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=60).stdout
    return [float(frame["pts_time"]) for frame in json.loads(out)["frames"]]


def test_a_screencast_video_shows_each_page_and_tab_at_its_time(media_hub, tmp_path):
    driver = open_session(media_hub, enableVideo=True, videoName="screencast")
    began = time.monotonic()
    try:
        names = {p.name() for p in media_hub.descendants()}
        assert "ffmpeg" in names
        assert "Xvfb" not in names, "a screencast session without VNC needs no screen"
        show(driver, "red")
        red_at = time.monotonic() - began
        time.sleep(2)
        show(driver, "lime")
        lime_at = time.monotonic() - began
        time.sleep(4)  # a still page: the encoder gets about a frame a second
        driver.switch_to.new_window("tab")  # the video follows the newest tab
        show(driver, "blue")
        blue_at = time.monotonic() - began
        time.sleep(2)
    finally:
        driver.quit()
    session_seconds = time.monotonic() - began
    status, _, video = wait_for_video(f"{media_hub.url}/api/sessions/{driver.session_id}/video")
    assert status == 200, video
    path = tmp_path / "screencast.mp4"
    path.write_bytes(video)
    assert b"moov" in video[:4096], "an index up front, so players can seek"
    codec, duration = probe(path)
    assert codec == "h264"
    assert abs(duration - session_seconds) < 2, (duration, session_seconds)
    decode_every_frame(path)
    # pixel_at seeks (-ss) to each moment; the frames are the page's own (no browser chrome)
    offset = session_seconds - duration  # what passed before the first frame
    assert _is(pixel_at(path, red_at - offset + 1, WIDTH // 2, HEIGHT // 2), 0)
    assert _is(pixel_at(path, lime_at - offset + 2, WIDTH // 2, HEIGHT // 2), 1)
    # a later tab's viewport is shorter in headless Chromium: letterboxed, hence the centre
    assert _is(pixel_at(path, blue_at - offset + 1, WIDTH // 2, HEIGHT // 2), 2)
    assert _is(pixel_at(path, duration - 0.1, WIDTH // 2, HEIGHT // 2), 2)  # held to the end
    frames = _frame_times(path)
    assert len(frames) < 4 * duration, f"{len(frames)} frames for {duration:.1f} s"
    assert max(b - a for a, b in itertools.pairwise(frames)) < MAX_HEARTBEAT + 0.5
    assert status_of(media_hub, driver.session_id)["status"] == "ready"
