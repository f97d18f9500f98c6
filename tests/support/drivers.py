"""A WebDriver server started by a test, to compare the hub with the driver behind it.

Each one runs on a free loopback port with its own temporary directory and is killed with
its children when the test module is done.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

from hub.nodes.browsers import BrowserInstall, detect_chrome, detect_firefox, detect_webkit
from hub.nodes.local import CHROMIUM_FLAGS
from tests.support.hubs import free_port

Exchange = tuple[int, dict[str, str], Any]


def exchange(base: str, method: str, path: str, body: Any = None, raw: bytes | None = None,
             timeout: float = 120) -> Exchange:
    """(status, headers with lower-case names, JSON body or text) of one request."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                         else None)
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, payload = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, payload = error.code, error.headers, error.read()
    try:
        parsed = json.loads(payload or b"null")
    except ValueError:  # geckodriver answers some unknown paths in plain text
        parsed = payload.decode(errors="replace")
    return status, {k.lower(): v for k, v in headers.items()}, parsed


def installed(name: str) -> BrowserInstall:
    """The machine's browser and driver of that name; the suite needs every one of them."""
    detect = {"chrome": detect_chrome, "firefox": detect_firefox, "webkit": detect_webkit}[name]
    install = detect()
    if install is None:
        pytest.fail(f"{name} and its driver must be installed for this suite")
    return install


class DirectDriver:
    """One driver process; ``caps`` are what a client must add to start its browser here
    (the hub injects the same on its own)."""

    def __init__(self, install: BrowserInstall, env: dict[str, str] | None = None) -> None:
        self.install = install
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="tggrid-test-driver-"))
        if install.name == "chrome":
            argv = [install.driver_binary, f"--port={self.port}"]
            self.caps: dict[str, Any] = {"goog:chromeOptions": {
                "binary": install.browser_binary,
                "args": [*CHROMIUM_FLAGS, "--headless=new"]}}
        elif install.name == "firefox":
            argv = [install.driver_binary, "--host", "127.0.0.1", "--port", str(self.port),
                    "--websocket-port", str(free_port())]
            self.caps = {"moz:firefoxOptions": {"binary": install.browser_binary,
                                                "args": ["-headless"]}}
        else:  # WebKitWebDriver: MiniBrowser has no headless mode, so a screen of its own
            argv = [install.driver_binary, "--host=127.0.0.1", f"--port={self.port}"]
            self.caps = {"webkitgtk:browserOptions": {"binary": install.browser_binary,
                                                      "args": ["--automation"]}}
        self.screen = _Screen() if install.needs_display else None
        extra = {"DISPLAY": self.screen.display} if self.screen else {}
        self._log = open(self.workdir / "driver.log", "wb")  # noqa: SIM115 - closed in stop
        self.process = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir,
            env={**os.environ, "TMPDIR": str(self.workdir), **extra, **(env or {})})
        deadline = time.monotonic() + 30
        while not self._up():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{argv[0]} did not start")
            time.sleep(0.1)

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/status", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def new_session(self, caps: dict[str, Any]) -> Exchange:
        return exchange(self.url, "POST", "/session",
                        {"capabilities": {"alwaysMatch": {**self.caps, **caps}}})

    def stop(self) -> None:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        self.process.kill()
        self.process.wait()
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self._log.close()
        if self.screen is not None:
            self.screen.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class _Screen:
    """An Xvfb on a display number it picks itself (``-displayfd``)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten",
             "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as numbers:
            self.display = ":" + numbers.readline().strip()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
