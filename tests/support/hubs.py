"""Real hubs for tests: each one a `tggrid hub` child process on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from hub.processes import HUB_PID_ENV


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningHub:
    """A hub process; ``url`` is its base, ``stop()`` sends SIGTERM and waits."""

    def __init__(self, data_dir: Path, args: list[str], env: dict[str, str | None]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir / "hub.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub", "hub", "--port", str(self.port),
             "--data-dir", str(data_dir), *args],
            stdout=self._log, stderr=subprocess.STDOUT,
            # Self-registration is off by default; the account tests sign up through it.
            env={key: value for key, value in
                 {**os.environ, "TGGRID_ALLOW_REGISTRATION": "true", **env}.items()
                 if value is not None},
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/status", timeout=2):
                    return
            except urllib.error.HTTPError as error:
                if error.code == 401:  # up, with auth on
                    return
                time.sleep(0.1)
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"hub did not start within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        raw: bytes | None = None, timeout: float = 60,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                             else None)
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload or b"null")
            except ValueError:
                return error.code, payload.decode(errors="replace")

    def descendants(self) -> list[psutil.Process]:
        """Every live process this hub started, found by the hub's mark in their environment."""
        found = []
        for process in psutil.process_iter(["pid", "name", "cmdline"]):
            try:
                if process.environ().get(HUB_PID_ENV) == str(self.process.pid):
                    found.append(process)
            except (psutil.Error, OSError):
                continue
        return found

    def reap_after_kill(self) -> None:
        """What a hub killed with SIGKILL left (browsers under its drivers; a hub started
        later reaps them): killed, as that hub's restart would."""
        for process in self.descendants():
            with contextlib.suppress(psutil.Error):
                process.kill()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode
