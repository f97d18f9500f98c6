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


def _centre_colours(path) -> list[tuple[int, int, int]]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "passthrough", "-vf",
         f"crop=2:2:{WIDTH // 2}:{HEIGHT // 2}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60).stdout
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 12)]  # 2x2 each


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
        time.sleep(2)
        show(driver, "lime")
        time.sleep(4)  # a still page: the encoder gets a repeat of its frame now and then
        driver.switch_to.new_window("tab")  # the video follows the newest tab
        show(driver, "blue")
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
    assert abs(duration - session_seconds) < 3, (duration, session_seconds)
    decode_every_frame(path)
    # the colour at the centre of every frame, in order: each page shows, for about as long
    # as it was shown (the clock is the video's: the session's start and end include set-up)
    frames = _frame_times(path)
    colours = _centre_colours(path)
    assert len(colours) == len(frames)
    spans = []  # (colour, first time)
    for at, colour in zip(frames, colours, strict=True):
        name = next((n for n, channel in (("red", 0), ("lime", 1), ("blue", 2))
                     if _is(colour, channel)), "other")
        if not spans or spans[-1][0] != name:
            spans.append((name, at))
    names = [name for name, _ in spans]
    assert [n for n in names if n != "other"] == ["red", "lime", "blue"], spans
    starts = dict(spans)
    assert starts["lime"] - starts["red"] >= 1.5, spans
    assert starts["blue"] - starts["lime"] >= 3.5, spans
    # seeking lands on what was shown then (pixel_at seeks with -ss)
    assert _is(pixel_at(path, starts["lime"] + 2, WIDTH // 2, HEIGHT // 2), 1)
    assert _is(pixel_at(path, duration - 0.1, WIDTH // 2, HEIGHT // 2), 2)  # held to the end
    assert len(frames) < 4 * duration, f"{len(frames)} frames for {duration:.1f} s"
    assert max(b - a for a, b in itertools.pairwise(frames)) < MAX_HEARTBEAT + 0.5
    assert status_of(media_hub, driver.session_id)["status"] == "ready"
