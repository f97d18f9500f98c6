import asyncio
import dataclasses
import signal

import pytest

from hub.media.displays import LAST_DISPLAY
from hub.media.recorder import Recorder, RecorderError, duration_of, probe
from hub.media.remux import finish_file
from hub.screens import RecordingState, work_path
from tests.support.videos import decode_every_frame


@pytest.fixture
def recorder(display, hub_id, tmp_path):
    return Recorder(display, tmp_path / "videos" / "out.mp4", frame_rate=10, hub_id=hub_id,
                    tag=f"{hub_id}-ffmpeg", log_dir=tmp_path, early_failure=1.5)


def fragments(path) -> int:
    try:
        return path.read_bytes().count(b"moof")
    except OSError:
        return 0


async def test_a_stopped_recording_is_a_playable_h264_file(recorder, hub_id):
    await recorder.start()
    await asyncio.sleep(2)
    assert recorder.active
    assert await recorder.stop() is RecordingState.FINISHED
    await finish_file(recorder.path, hub_id=hub_id)
    assert not work_path(recorder.path).exists()
    info = await probe(recorder.path, hub_id=hub_id)
    assert info["streams"][0]["codec_name"] == "h264"
    assert info["streams"][0]["width"] == 320
    assert 1.0 <= duration_of(info) <= 10.0
    assert info["streams"][0]["pix_fmt"] == "yuv420p"
    head = recorder.path.read_bytes()[:4096]
    assert head.index(b"moov") < 4096  # +faststart: the index comes first, for streaming
    await asyncio.to_thread(decode_every_frame, recorder.path)


async def test_a_killed_ffmpeg_leaves_a_video_up_to_a_second_before(recorder, hub_id):
    await recorder.start()
    await asyncio.sleep(4)
    recorder.process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(recorder.wait(), 30) is RecordingState.FAILED
    assert "ffmpeg exited with code -9 while recording" in recorder.error
    assert await recorder.stop() is RecordingState.FAILED
    await finish_file(recorder.path, hub_id=hub_id)
    assert duration_of(await probe(recorder.path, hub_id=hub_id)) >= 2.0
    await asyncio.to_thread(decode_every_frame, recorder.path)


async def test_an_ffmpeg_that_dies_in_its_first_seconds_is_started_again(recorder, hub_id):
    await recorder.start()
    first = recorder.process
    first.send_signal(signal.SIGKILL)
    await first.wait()
    for _ in range(400):  # until the new ffmpeg has written a fragment
        if recorder.process is not first and fragments(recorder.work):
            break
        await asyncio.sleep(0.05)
    assert recorder.attempts == 2
    assert recorder.active
    assert await recorder.stop() is RecordingState.FINISHED
    await finish_file(recorder.path, hub_id=hub_id)
    await asyncio.to_thread(decode_every_frame, recorder.path)


async def test_a_screen_ffmpeg_cannot_grab_fails_the_start_after_retries(
        allocator, hub_id, tmp_path):
    display = await allocator.start(f"{hub_id}-gone", 320, 240, 24, tmp_path)
    await display.stop()
    # a number no allocator hands out: the stopped one may be taken again by another test
    display = dataclasses.replace(display, number=LAST_DISPLAY + 8901)
    recorder = Recorder(display, tmp_path / "gone.mp4", frame_rate=5, hub_id=hub_id,
                        tag=f"{hub_id}-gone-ffmpeg", log_dir=tmp_path)
    with pytest.raises(RecorderError, match="after 3 attempts"):
        await recorder.start()
    assert recorder.process.returncode is not None


async def test_probe_refuses_a_file_that_is_not_a_video(tmp_path, hub_id):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValueError):
        await probe(junk, hub_id=hub_id)


async def test_fragments_with_nothing_playable_are_refused(tmp_path, hub_id):
    video = tmp_path / "empty.mp4"
    work_path(video).write_bytes(b"\x00\x00\x00\x1cftypisom")
    with pytest.raises(ValueError):
        await finish_file(video, hub_id=hub_id)
        await probe(video, hub_id=hub_id)


async def test_odd_screen_sizes_are_recorded_too(allocator, hub_id, tmp_path):
    display = await allocator.start(f"{hub_id}-x", 321, 241, 24, tmp_path)
    try:
        recorder = Recorder(display, tmp_path / "odd.mp4", frame_rate=5, hub_id=hub_id,
                            tag=f"{hub_id}-odd", log_dir=tmp_path)
        await recorder.start()
        await asyncio.sleep(1.5)
        assert await recorder.stop() is RecordingState.FINISHED
    finally:
        await display.stop()
    await finish_file(tmp_path / "odd.mp4", hub_id=hub_id)
    info = await probe(tmp_path / "odd.mp4", hub_id=hub_id)
    assert (info["streams"][0]["width"], info["streams"][0]["height"]) == (320, 240)
