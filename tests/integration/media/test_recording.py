"""A recorded session, checked the way a person would: by playing the video back."""

from __future__ import annotations

import time

from tests.integration.media.conftest import (
    HEIGHT,
    WIDTH,
    fetch,
    open_session,
    pixel_at,
    probe,
    show,
    wait_for_video,
)


def _is(colour: tuple[int, int, int], channel: int) -> bool:
    return colour[channel] > 180 and all(colour[c] < 90 for c in range(3) if c != channel)


def test_video_shows_the_pages_in_turn(media_hub, tmp_path):
    driver = open_session(media_hub, enableVideo=True, videoName="colours")
    began = time.monotonic()
    try:
        caps = driver.capabilities
        video_url = caps["tggrid:videoUrl"]
        assert video_url == f"{media_hub.url}/api/sessions/{driver.session_id}/video"
        show(driver, "red")
        time.sleep(2)
        show(driver, "lime")
        time.sleep(6)
        show(driver, "blue")
        time.sleep(2)
        status, _, body = fetch(video_url)
        assert status == 409, body
    finally:
        driver.quit()
    session_seconds = time.monotonic() - began
    status, headers, video = wait_for_video(video_url)
    assert status == 200, video
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Accept-Ranges"] == "bytes"
    path = tmp_path / "colours.mp4"
    path.write_bytes(video)
    codec, duration = probe(path)
    assert codec == "h264"
    assert abs(duration - session_seconds) < 3, (duration, session_seconds)
    middle = pixel_at(path, duration / 2, WIDTH // 2, HEIGHT * 2 // 3)
    assert _is(middle, 1), middle  # green: the page shown for the middle six seconds
    near_end = pixel_at(path, duration - 1.2, WIDTH // 2, HEIGHT * 2 // 3)
    assert _is(near_end, 2), near_end
    _, listing = media_hub.request("GET", "/api/recordings?name=colours")
    [recording] = listing["recordings"]
    assert recording["status"] == "ready"
    assert recording["name"] == "colours.mp4"
    assert recording["size"] == len(video)
    assert abs(recording["duration"] - duration) < 0.5


def test_range_requests_get_206_and_a_bad_range_416(media_hub):
    driver = open_session(media_hub, enableVideo=True)
    try:
        show(driver, "white")
        time.sleep(1)
    finally:
        driver.quit()
    url = f"{media_hub.url}/api/sessions/{driver.session_id}/video"
    status, _, whole = wait_for_video(url)
    assert status == 200
    status, headers, part = fetch(url, {"Range": "bytes=0-99"})
    assert status == 206
    assert part == whole[:100]
    assert headers["Content-Range"] == f"bytes 0-99/{len(whole)}"
    status, _, tail = fetch(url, {"Range": "bytes=-10"})
    assert (status, tail) == (206, whole[-10:])
    status, headers, _ = fetch(url, {"Range": f"bytes={len(whole) + 10}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(whole)}"


def test_traversal_in_video_name_stays_in_the_recording_dir(media_hub):
    driver = open_session(media_hub, enableVideo=True, videoName="../../../../tmp/escape")
    driver.quit()
    url = f"{media_hub.url}/api/sessions/{driver.session_id}/video"
    assert wait_for_video(url)[0] == 200
    _, listing = media_hub.request("GET", "/api/recordings")
    [recording] = [r for r in listing["recordings"] if r["sessionId"] == driver.session_id]
    assert recording["name"] == "escape.mp4"
    assert (media_hub.data_dir / "recordings" / "escape.mp4").is_file()


def test_no_video_is_404_and_delete_removes_file_and_listing(media_hub):
    driver = open_session(media_hub)
    try:
        assert "tggrid:videoUrl" not in driver.capabilities
        status, _, body = fetch(f"{media_hub.url}/api/sessions/{driver.session_id}/video")
        assert status == 404, body
    finally:
        driver.quit()
    assert fetch(f"{media_hub.url}/api/sessions/no-such-session/video")[0] == 404

    recorded = open_session(media_hub, enableVideo=True, videoName="to-delete")
    recorded.quit()
    url = f"{media_hub.url}/api/sessions/{recorded.session_id}/video"
    assert wait_for_video(url)[0] == 200
    _, listing = media_hub.request("GET", "/api/recordings?name=to-delete")
    [recording] = listing["recordings"]
    status, _ = media_hub.request("DELETE", f"/api/recordings/{recording['id']}")
    assert status == 204
    assert not (media_hub.data_dir / "recordings" / "to-delete.mp4").exists()
    assert fetch(url)[0] == 404
    assert media_hub.request("DELETE", f"/api/recordings/{recording['id']}")[0] == 404
