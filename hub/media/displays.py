"""Xvfb screens for headed sessions, allocated without collisions and left without traces.

Xvfb is the arbiter: it creates ``/tmp/.X<n>-lock`` atomically and refuses a display that is
taken, so two hubs (or two sessions of one hub) picking the same number at once cost a retry,
never a shared screen. A screen is ready when the X server answers the requests ffmpeg's
x11grab makes (the pointer and pixels of the root window), not when its socket accepts: Xvfb
listens before it has set up its screen and input devices, and a busy machine widens that gap.
A display is stopped with SIGTERM so Xvfb removes its own lock file and socket; whatever a
killed Xvfb leaves behind is removed by its owner here, or at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import signal
import socket
from pathlib import Path

import psutil
from Xlib import X
from Xlib import display as xdisplay
from Xlib import error as xerror

from hub import processes

log = logging.getLogger(__name__)

X11_DIR = Path("/tmp/.X11-unix")
FIRST_DISPLAY = 100
LAST_DISPLAY = 999
START_TIMEOUT = 15.0
STOP_GRACE = 5.0


def lock_path(number: int) -> Path:
    return Path(f"/tmp/.X{number}-lock")


def socket_path(number: int) -> Path:
    return X11_DIR / f"X{number}"


def _lock_owner(number: int) -> int | None:
    try:
        return int(lock_path(number).read_text().strip())
    except (OSError, ValueError):
        return None


def _remove_traces(number: int) -> None:
    for path in (lock_path(number), socket_path(number)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_stale_locks(first: int = FIRST_DISPLAY, last: int = LAST_DISPLAY) -> int:
    """Delete lock files (and their sockets) whose Xvfb is dead; returns how many."""
    removed = 0
    for number in range(first, last + 1):
        if not lock_path(number).exists():
            continue
        owner = _lock_owner(number)
        if owner is not None and psutil.pid_exists(owner):
            continue
        _remove_traces(number)
        removed += 1
    if removed:
        log.info("display.stale_removed count=%d", removed)
    return removed


def _connectable(number: int) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(socket_path(number)))
        except OSError:
            return False
    return True


def x_answers(name: str) -> str | None:
    """None when the X server ``name`` answers what x11grab asks (the pointer, one pixel of
    the root window); otherwise why not. Blocks: run it in a thread."""
    try:
        connection = xdisplay.Display(name)
    except (xerror.DisplayError, xerror.ConnectionClosedError, OSError) as error:
        return f"the X server does not accept clients yet: {error}"
    try:
        root = connection.screen().root
        root.query_pointer()
        root.get_image(0, 0, 1, 1, X.ZPixmap, 0xFFFFFFFF)
    except (xerror.XError, xerror.ConnectionClosedError, OSError) as error:
        return f"the X server does not answer x11grab's requests: {error}"
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return None


@dataclasses.dataclass
class Display:
    """One running Xvfb (and its window manager); ``name`` goes into DISPLAY."""

    number: int
    width: int
    height: int
    depth: int
    process: asyncio.subprocess.Process
    tag: str
    window_manager: asyncio.subprocess.Process | None = None

    @property
    def name(self) -> str:
        return f":{self.number}"

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    async def stop(self) -> None:
        """Window manager first, then Xvfb with SIGTERM so it clears its lock; never raises."""
        if self.window_manager is not None:
            await stop_process(self.window_manager, f"{self.tag}-wm", signal.SIGTERM)
        await stop_process(self.process, self.tag, signal.SIGTERM)
        owner = _lock_owner(self.number)
        if owner is None or owner == self.process.pid or not psutil.pid_exists(owner):
            _remove_traces(self.number)
        log.info("display.stopped display=%s", self.name)


async def stop_process(
    process: asyncio.subprocess.Process, tag: str, sig: int, grace: float = STOP_GRACE
) -> int | None:
    """Ask politely with ``sig``, then kill the tree; returns the exit code."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await process.wait()
    if process.returncode is None:
        await asyncio.to_thread(processes.kill_tree, process.pid, tag, 1.0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await process.wait()
    return process.returncode


class DisplayError(Exception):
    """No screen could be started; the message says why."""


class DisplayAllocator:
    """Starts Xvfb screens on free display numbers for one hub."""

    def __init__(
        self, hub_id: str, *, first: int = FIRST_DISPLAY, last: int = LAST_DISPLAY,
        xvfb: str = "Xvfb", window_manager: str | None = "openbox",
    ) -> None:
        self.hub_id = hub_id
        self.first = first
        self.last = last
        self.xvfb = xvfb
        self.window_manager = shutil.which(window_manager) if window_manager else None
        self._claimed: set[int] = set()

    def _candidates(self) -> list[int]:
        return [n for n in range(self.first, self.last + 1)
                if n not in self._claimed
                and not lock_path(n).exists() and not socket_path(n).exists()]

    async def start(
        self, tag: str, width: int, height: int, depth: int, log_dir: Path
    ) -> Display:
        """A ready Xvfb of this size with a window manager on it, or :class:`DisplayError`."""
        errors: list[str] = []
        for number in self._candidates()[:10]:
            self._claimed.add(number)
            try:
                display = await self._try(number, tag, width, height, depth, log_dir)
            except BaseException:
                self._claimed.discard(number)
                raise
            if isinstance(display, Display):
                self._claimed.discard(number)
                await self._start_window_manager(display, log_dir)
                log.info("display.started display=%s size=%s tag=%s", display.name,
                         display.size, tag)
                return display
            self._claimed.discard(number)
            errors.append(f":{number}: {display}")
        raise DisplayError("no free X display could be started: " + "; ".join(errors[-3:]))

    async def _try(
        self, number: int, tag: str, width: int, height: int, depth: int, log_dir: Path
    ) -> Display | str:
        """The display, or the reason this number did not work out."""
        log_path = log_dir / f"xvfb-{number}.log"
        process = await processes.spawn(
            [self.xvfb, f":{number}", "-screen", "0", f"{width}x{height}x{depth}",
             "-nolisten", "tcp", "-noreset"],
            hub_id=self.hub_id, session_tag=tag, log_path=str(log_path),
        )
        display = Display(number, width, height, depth, process, tag)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        why = "its socket did not open"
        while loop.time() < deadline:
            if process.returncode is not None:
                return tail(log_path) or f"Xvfb exited with code {process.returncode}"
            if _lock_owner(number) == process.pid and _connectable(number):
                # blocks only until Xvfb serves clients or dies (then the socket closes)
                answer = await asyncio.to_thread(x_answers, display.name)
                if answer is None:
                    return display
                why = answer
            await asyncio.sleep(0.05)
        await display.stop()
        return f"Xvfb was not ready within {START_TIMEOUT:g} s: {why}"

    async def _start_window_manager(self, display: Display, log_dir: Path) -> None:
        if self.window_manager is None:
            return
        display.window_manager = await processes.spawn(
            [self.window_manager, "--sm-disable"], hub_id=self.hub_id,
            session_tag=f"{display.tag}-wm", env={"DISPLAY": display.name},
            log_path=str(log_dir / f"wm-{display.number}.log"),
        )


def tail(path: Path, limit: int = 500) -> str:
    try:
        return path.read_text(errors="replace")[-limit:].strip()
    except OSError:
        return ""

