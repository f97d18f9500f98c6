"""The hub the run talks to: a small JSON client, and an embedded hub for runs without a URL.

The client uses only the standard library so the plugin works wherever pytest does; the
embedded hub is a ``python -m hub hub`` child process, started once on the xdist controller.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


class HubError(RuntimeError):
    """The hub answered with an error status or not at all."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status


class HubClient:
    """``/api`` and ``/status`` of one hub, with the run's token as a Bearer header."""

    def __init__(self, url: str, token: str = "") -> None:
        self.url = url.rstrip("/")
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _open(self, method: str, path: str, body: Any = None, timeout: float = 30) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json", **self.headers()})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise HubError(error.code, error.read().decode(errors="replace")[:500]) from None
        except (urllib.error.URLError, OSError) as error:
            raise HubError(0, f"no answer: {error}") from None

    def request(self, method: str, path: str, body: Any = None) -> Any:
        return json.loads(self._open(method, path, body) or b"null")

    def status(self) -> dict[str, Any]:
        return self.request("GET", "/status")["value"]

    def session(self, session_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/sessions/{session_id}")

    def find_running(self, name: str) -> str | None:
        """Id of the newest running session with exactly this name (how /cdp ones are found)."""
        query = urllib.parse.urlencode({"name": name, "state": "running"})
        items = self.request("GET", f"/api/sessions?{query}")["items"]
        return next((item["id"] for item in items if item.get("name") == name), None)

    def report_outcome(self, session_id: str, outcome: str) -> None:
        self.request("PATCH", f"/api/sessions/{session_id}", {"testStatus": outcome})

    def video_url(self, session_id: str) -> str:
        return f"{self.url}/api/sessions/{session_id}/video"

    def refuses_video(self, session_id: str) -> bool:
        """Whether the hub says a running session is not recorded (its node films nothing: a
        relay); a recorded one answers 409 until it has ended, so nothing is downloaded."""
        try:
            self._open("GET", f"/api/sessions/{session_id}/video", timeout=30)
        except HubError as error:
            return error.status == 404 and '"not_recorded"' in str(error)
        return False

    def download_video(self, session_id: str, target: Path, wait: float = 90) -> None:
        """Save the session's video; the hub answers 409 until ffmpeg has finished the file."""
        deadline = time.monotonic() + wait
        while True:
            try:
                data = self._open("GET", f"/api/sessions/{session_id}/video", timeout=60)
            except HubError as error:
                if error.status != 409 or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
                continue
            target.write_bytes(data)
            return


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_installed() -> bool:
    """Whether the ``tggrid`` distribution (the hub) is installed beside the plugin."""
    try:
        importlib.metadata.distribution("tggrid")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


NO_HUB = ("tggrid: no --tggrid-url was given and the embedded hub needs the hub itself, which "
          "is not installed: pip install tggrid (it holds this plugin too), or point the run "
          "at a hub with --tggrid-url http://HOST:4444")


class EmbeddedHub:
    """A hub for this run only, on a free loopback port, with its data in a temporary folder."""

    def __init__(self, max_sessions: int | None = None) -> None:
        if not hub_installed():
            raise RuntimeError(NO_HUB)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="tggrid-hub-"))
        self.log_path = self.data_dir / "hub.log"
        args = [sys.executable, "-m", "hub", "hub", "--port", str(self.port),
                "--data-dir", str(self.data_dir)]
        if max_sessions:
            args += ["--max-sessions", str(max_sessions)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            env=dict(os.environ))

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float = 60) -> None:
        client = HubClient(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the embedded hub exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                client.status()
                return
            except HubError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the embedded hub did not start within {timeout} s:\n"
                           f"{self.log_tail()}")

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM lets the hub end its sessions and finish their videos."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)
