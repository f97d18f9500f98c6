import asyncio
import signal

import pytest

from hub.media.recorder import Recorder, RecordingState, duration_of, probe


@pytest.fixture
def recorder(display, hub_id, tmp_path):
    return Recorder(display, tmp_path / "videos" / "out.mp4", frame_rate=10, hub_id=hub_id,
                    tag=f"{hub_id}-ffmpeg", log_dir=tmp_path)


async def test_a_stopped_recording_is_a_playable_h264_file(recorder, hub_id):
    await recorder.start()
    await asyncio.sleep(2)
    assert recorder.active
    assert await recorder.stop() is RecordingState.FINISHED
    info = await probe(recorder.path, hub_id=hub_id)
    assert info["streams"][0]["codec_name"] == "h264"
    assert info["streams"][0]["width"] == 320
    assert 1.0 <= duration_of(info) <= 10.0
    assert info["streams"][0]["pix_fmt"] == "yuv420p"
    head = recorder.path.read_bytes()[:4096]
    assert head.index(b"moov") < 4096  # +faststart: the index comes first, for streaming


async def test_ffmpeg_dying_marks_the_recording_failed(recorder):
    await recorder.start()
    await asyncio.sleep(1)
    recorder.process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(recorder.wait(), 30) is RecordingState.FAILED
    assert "ffmpeg exited with code -9 while recording" in recorder.error
    assert await recorder.stop() is RecordingState.FAILED


async def test_probe_refuses_a_file_that_is_not_a_video(tmp_path, hub_id):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValueError):
        await probe(junk, hub_id=hub_id)


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
    info = await probe(tmp_path / "odd.mp4", hub_id=hub_id)
    assert (info["streams"][0]["width"], info["streams"][0]["height"]) == (320, 240)
