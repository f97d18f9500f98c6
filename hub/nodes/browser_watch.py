"""Noticing a dead browser while its client says nothing.

A browser killed under a running driver leaves the driver answering, so nothing ends the
session until the client's next command or the idle timeout. The browser is the driver's
child; a pidfd on it turns readable the moment it exits, so the event loop learns of the death
at no cost while it lives (a one-second poll where pidfds are missing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import psutil

from hub.nodes.base import NodeSession

log = logging.getLogger(__name__)

FIND_TIMEOUT = 10.0
POLL_INTERVAL = 1.0
QUIT_GRACE = 2.0  # a browser closed by a quit is not a death: the quit gets this long to land


def browser_of(driver_pid: int) -> psutil.Process | None:
    """The browser a driver started: its child process (chromedriver and geckodriver start
    the browser's main process directly)."""
    with contextlib.suppress(psutil.Error):
        children = [c for c in psutil.Process(driver_pid).children()
                    if c.status() != psutil.STATUS_ZOMBIE]
        return children[0] if children else None
    return None


async def find_browser(driver_pid: int) -> psutil.Process | None:
    """The driver's browser once it is there (it is, once the session is created)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FIND_TIMEOUT
    while loop.time() < deadline:
        browser = await asyncio.to_thread(browser_of, driver_pid)
        if browser is not None:
            return browser
        await asyncio.sleep(0.2)
    return None


async def watch(session: NodeSession, driver_pid: int) -> None:
    """Mark ``session`` dead when its browser exits without a quit; returns then (or never,
    when no browser is found: the driver's own exit is watched elsewhere)."""
    browser = await find_browser(driver_pid)
    if browser is None:
        log.warning("browser.not_found session=%s driver=%d", session.session_id, driver_pid)
        await asyncio.Future()
        return
    await wait_for_exit(browser)
    await asyncio.sleep(QUIT_GRACE)
    if not session.quit_sent:
        session.mark_dead(f"the browser process exited (pid {browser.pid})")


async def wait_for_exit(process: psutil.Process) -> None:
    """Returns when ``process`` has exited (a zombie counts as exited)."""
    try:
        descriptor = os.pidfd_open(process.pid)
    except (OSError, AttributeError):
        descriptor = -1
    if descriptor >= 0:
        try:
            if not _gone(process):  # it may have died between finding it and now
                await _readable(descriptor)
        finally:
            os.close(descriptor)
        return
    while True:  # no pidfd here: poll
        if _gone(process):
            return
        await asyncio.sleep(POLL_INTERVAL)


def _gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


async def _readable(descriptor: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(descriptor, readable)
    try:
        await ready
    finally:
        loop.remove_reader(descriptor)
