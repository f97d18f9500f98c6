"""The screencast recorder against a real headless Chromium and ffmpeg (no hub)."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub import processes
from hub.media.displays import stop_process
from hub.media.recorder import RecorderError
from hub.media.remux import finish_file
from hub.media.screencast_recorder import ScreencastRecorder
from hub.nodes.local import CHROMIUM_FLAGS, free_port
from hub.screens import RecordingState
from tests.support.videos import decode_every_frame

pytestmark = pytest.mark.browser

ANIMATION = ("data:text/html,<style>@keyframes m{to{margin-left:300px}}div{width:20px;"
             "height:20px;background:red;animation:m 1s linear infinite}</style><div></div>")


@pytest.fixture
async def devtools(hub_id: str, tmp_path: Path) -> AsyncIterator[str]:
    """A headless Chromium showing an animation that repaints every frame (60 a second)."""
    port = free_port()
    browser = await processes.spawn(
        ["chromium", *CHROMIUM_FLAGS, "--headless=new", f"--remote-debugging-port={port}",
         "--window-size=320,240", f"--user-data-dir={tmp_path / 'profile'}", ANIMATION],
        hub_id=hub_id, session_tag=f"{hub_id}-chromium", log_path=str(tmp_path / "chromium.log"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await stop_process(browser, f"{hub_id}-chromium", signal.SIGKILL, grace=5)


def _recorder(devtools: str, path: Path, hub_id: str, frame_rate: int) -> ScreencastRecorder:
    return ScreencastRecorder(devtools, path, width=320, height=240, frame_rate=frame_rate,
                              hub_id=hub_id, tag=f"{hub_id}-ffmpeg", log_dir=path.parent)


async def _frames(path: Path) -> int:
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
        "stream=nb_read_frames", "-of", "json", str(path), stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


async def test_an_animation_is_filmed_at_the_frame_rate_asked_not_the_paint_rate(
        devtools, hub_id, tmp_path):
    recorder = None
    for _ in range(40):  # until the browser listens
        try:
            recorder = _recorder(devtools, tmp_path / "anim.mp4", hub_id, frame_rate=10)
            await recorder.start()
            break
        except RecorderError:
            await asyncio.sleep(0.25)
    assert recorder is not None and recorder.active
    await asyncio.sleep(3)
    assert await recorder.stop() is RecordingState.FINISHED
    seconds = recorder.ended_at - recorder.started_at
    await finish_file(recorder.path, hub_id=hub_id)
    await asyncio.to_thread(decode_every_frame, recorder.path)
    frames = await _frames(recorder.path)
    # the page paints 60 times a second; acknowledged at most 10 times a second
    assert 0.5 * 10 * seconds <= frames <= 10 * seconds + 5, (frames, seconds)


async def test_a_browser_without_devtools_fails_the_start(hub_id, tmp_path):
    recorder = _recorder(f"http://127.0.0.1:{free_port()}", tmp_path / "none.mp4", hub_id, 10)
    with pytest.raises(RecorderError, match="cannot film the browser"):
        await recorder.start()
    assert recorder.process is None  # no ffmpeg was started for nothing
