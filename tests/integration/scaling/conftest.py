"""Real chromedrivers for relay nodes to pass sessions through to, and helpers to read where
a session landed."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from tests.support.hubs import RunningHub, free_port

CHROMEDRIVER = "/usr/bin/chromedriver"
# What a client of a relay in front of a bare chromedriver must ask for on this machine.
# Relays front drivers whose binary the hub cannot know: the admin allows the one they use.
ALLOW_RELAY_BINARY = ("--allowed-binaries", "/usr/bin/chromium")
RELAY_CHROME = {
    "browserName": "chrome",
    "goog:chromeOptions": {"binary": "/usr/bin/chromium",
                           "args": ["--headless=new", "--no-sandbox",
                                    "--disable-dev-shm-usage", "--disable-gpu"]},
}


class Chromedriver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"chromedriver on {self.port} did not start")

    def stop(self) -> None:
        """Kill the driver and any browser it started."""
        try:
            parent = psutil.Process(self.process.pid)
            family = [*parent.children(recursive=True), parent]
        except psutil.NoSuchProcess:
            family = []
        for process in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(family, timeout=10)
        self.process.wait(10)


@pytest.fixture
def chromedrivers() -> Iterator[Callable[..., Chromedriver]]:
    started: list[Chromedriver] = []

    def start(port: int | None = None) -> Chromedriver:
        driver = Chromedriver(port)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.stop()


def add_relay(hub: RunningHub, driver: Chromedriver, node_id: str, max_sessions: int = 2,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    status, body = hub.request("POST", "/api/nodes", {"id": node_id, "url": driver.url,
                                                     "maxSessions": max_sessions},
                               headers=headers)
    assert status == 201, body
    return body


def new_session(hub: RunningHub, caps: dict[str, Any] | None = None) -> str:
    status, body = hub.request("POST", "/session", {"capabilities": {
        "alwaysMatch": caps or RELAY_CHROME, "firstMatch": [{}]}}, timeout=120)
    assert status == 200, body
    return body["value"]["sessionId"]


def quit_session(hub: RunningHub, session_id: str) -> None:
    status, body = hub.request("DELETE", f"/session/{session_id}")
    assert status == 200, body


def node_of(hub: RunningHub, session_id: str) -> str:
    """The id of the node serving the session, read from the hub's /status."""
    _, body = hub.request("GET", "/status")
    for node in body["value"]["nodes"]:
        for slot in node["slots"]:
            if (slot["session"] or {}).get("sessionId") == session_id:
                return node["id"]
    raise AssertionError(f"session {session_id} is on no node")


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def pool_stats(hub: RunningHub) -> dict[str, Any]:
    """The warm pool as /api/config/auto-scaling reports it."""
    return hub.request("GET", "/api/config/auto-scaling")[1]["pool"]


def pool_profile(hub: RunningHub, browser: str) -> dict[str, Any]:
    """One browser's profile in the pool (the hub has one node)."""
    (profile,) = [p for p in pool_stats(hub)["profiles"].values() if p["browser"] == browser]
    return profile
