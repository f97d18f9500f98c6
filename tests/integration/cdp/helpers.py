"""What the CDP/BiDi tests share: a page, and watching a session's processes go away."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil

from tests.support.hubs import RunningHub

PAGE = "data:text/html,<title>hello</title><h1 id='h'>hi</h1>"


def running_session_ids(hub: RunningHub) -> set[str]:
    status, body = hub.request("GET", "/status")
    assert status == 200
    return {slot["session"]["sessionId"] for node in body["value"]["nodes"]
            for slot in node["slots"]
            if slot["session"] and not slot["session"].get("ending")}


def pids(hub: RunningHub) -> set[int]:
    return {process.pid for process in hub.descendants()}


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_for(condition: Callable[[], bool], message: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(0.2)


def wait_until_gone(started: set[int], timeout: float = 60) -> None:
    """Every process in ``started`` (what a session ran) has exited."""
    wait_for(lambda: not any(_alive(pid) for pid in started),
             f"processes {sorted(p for p in started if _alive(p))} to exit", timeout)
