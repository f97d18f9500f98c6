import asyncio
import os
import uuid

import psutil

from hub.media.displays import (
    DisplayAllocator,
    lock_path,
    remove_stale_locks,
    socket_path,
    x_answers,
)


def _traces(number: int) -> list[str]:
    return [str(p) for p in (lock_path(number), socket_path(number)) if p.exists()]


async def test_concurrent_displays_get_distinct_numbers_and_leave_no_trace(allocator, tmp_path):
    displays = await asyncio.gather(*(
        allocator.start(f"t-{uuid.uuid4().hex}", 320, 240, 24, tmp_path) for _ in range(3)))
    try:
        numbers = [d.number for d in displays]
        assert len(set(numbers)) == 3
        for display in displays:
            assert _traces(display.number)
            assert display.process.returncode is None
    finally:
        for display in displays:
            await display.stop()
    for display in displays:
        assert _traces(display.number) == []
        assert display.process.returncode is not None
        if display.window_manager is not None:
            assert display.window_manager.returncode is not None


async def test_a_display_taken_by_someone_else_is_skipped(hub_id, tmp_path):
    first = DisplayAllocator(hub_id)
    mine = await first.start(f"t-{uuid.uuid4().hex}", 320, 240, 24, tmp_path)
    other = DisplayAllocator(hub_id, first=mine.number, last=mine.number + 5)
    try:
        theirs = await other.start(f"t-{uuid.uuid4().hex}", 320, 240, 24, tmp_path)
        try:
            assert theirs.number != mine.number
        finally:
            await theirs.stop()
    finally:
        await mine.stop()


async def test_killed_xvfb_traces_are_removed(display):
    number = display.number
    display.process.kill()
    await display.process.wait()
    assert lock_path(number).exists()  # SIGKILL gives Xvfb no chance to clean up
    await display.stop()
    assert _traces(number) == []


def test_stale_locks_of_dead_servers_are_removed_live_ones_kept():
    dead_number, live_number = 990, 991
    dead_pid = _dead_pid()
    lock_path(dead_number).write_text(f"{dead_pid:>10}\n")
    lock_path(live_number).write_text(f"{os.getpid():>10}\n")
    try:
        remove_stale_locks(dead_number, live_number)
        assert not lock_path(dead_number).exists()
        assert lock_path(live_number).exists()
    finally:
        lock_path(dead_number).unlink(missing_ok=True)
        lock_path(live_number).unlink(missing_ok=True)


def _dead_pid() -> int:
    pid = 4_000_000
    while psutil.pid_exists(pid):
        pid -= 1
    return pid


async def test_a_display_is_ready_only_when_the_x_server_answers(display, tmp_path):
    assert await asyncio.to_thread(x_answers, display.name) is None
    # a socket that accepts and hangs up, as an X server does before it serves clients or
    # when it dies: accepting a connection is not being ready
    number = 989
    path = socket_path(number)
    assert not path.exists()
    server = await asyncio.start_unix_server(lambda r, w: w.close(), path=str(path))
    try:
        answer = await asyncio.to_thread(x_answers, f":{number}")
    finally:
        server.close()
        await server.wait_closed()
        path.unlink(missing_ok=True)
    assert answer is not None and "X server" in answer
