"""Real hubs recording and streaming real Chromium sessions on real Xvfb screens."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.client_config import ClientConfig

from tests.support.hubs import RunningHub

WIDTH, HEIGHT = 640, 480


@pytest.fixture(scope="module")
def media_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub (auth off) for the tests that only watch and record."""
    hub = RunningHub(tmp_path_factory.mktemp("media-hub"), ["--max-sessions", "2"], {})
    yield hub
    hub.stop()


def media_options(**options: Any) -> webdriver.ChromeOptions:
    chrome = webdriver.ChromeOptions()
    chrome.set_capability("tggrid:options",
                          {"screenResolution": f"{WIDTH}x{HEIGHT}", **options})
    return chrome


def open_session(hub: RunningHub, headers: dict[str, str] | None = None,
                 **options: Any) -> webdriver.Remote:
    config = ClientConfig(remote_server_addr=hub.url, timeout=120, extra_headers=headers)
    return webdriver.Remote(command_executor=hub.url, options=media_options(**options),
                            client_config=config)


def quit_quietly(driver: webdriver.Remote) -> None:
    """Quit in a finally block: the test may have quit already."""
    with contextlib.suppress(WebDriverException):
        driver.quit()


def show(driver: webdriver.Remote, colour: str) -> None:
    driver.get(f"data:text/html,<body style='margin:0;background:{colour}'></body>")


def fetch(url: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for_video(url: str, headers: dict[str, str] | None = None,
                   timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """GET until the recording is no longer being finished (409)."""
    deadline = time.monotonic() + timeout
    while True:
        status, response_headers, body = fetch(url, headers)
        if status != 409 or time.monotonic() > deadline:
            return status, response_headers, body
        time.sleep(0.25)


def probe(path: Path) -> tuple[str, float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name:format=duration", "-of", "default=nw=1", str(path)],
        capture_output=True, text=True, check=True, timeout=60).stdout
    fields = dict(line.split("=", 1) for line in out.split())
    return fields["codec_name"], float(fields["duration"])


def pixel_at(path: Path, seconds: float, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour of one pixel of the frame a player shows at ``seconds``: the last frame
    that began at or before it. The video has a variable frame rate (a still page is a frame
    every few seconds), and ``-ss`` alone would hand back the first frame *after* the moment,
    so the frames are spread to a constant rate first and the one at the moment is taken."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", "fps=50",
         "-ss", f"{seconds:.2f}", "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60).stdout
    assert len(raw) == WIDTH * HEIGHT * 3, len(raw)
    offset = (y * WIDTH + x) * 3
    return raw[offset], raw[offset + 1], raw[offset + 2]


def media_processes(hub: RunningHub) -> list[str]:
    """Names of the screen/VNC/encoder processes the hub has running."""
    names = []
    for process in hub.descendants():
        try:
            name = process.name()
        except Exception:
            continue
        if name in {"Xvfb", "x11vnc", "ffmpeg", "openbox"}:
            names.append(name)
    return names
