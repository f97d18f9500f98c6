"""A spare dockerd for tests: its own socket or TCP port, data root, exec root and bridge.

It runs beside the engine the other tests use (its own address range, no iptables) and holds
the images it is given, copied over with ``docker save | docker load``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import docker
import pytest
from docker.tls import TLSConfig

START_TIMEOUT = 60.0


@dataclass
class Engine:
    url: str  # what a hub is given: unix:///.../docker.sock or tcp://127.0.0.1:<port>
    client: docker.DockerClient
    argv: list[str]
    log: Path
    cli: list[str] = field(default_factory=list)  # docker CLI options that reach it
    daemon: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start dockerd (again) and wait until it answers."""
        if self.daemon is not None and self.daemon.poll() is None:
            return
        with open(self.log, "ab") as output:
            self.daemon = subprocess.Popen(self.argv, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not accepts(self.url):
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"spare dockerd did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.5)
        self.client.ping()

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(60)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()


def accepts(url: str) -> bool:
    """Probe the engine's socket ourselves: docker-py leaks the socket of a failed connect."""
    if url.startswith("unix://"):
        with socket.socket(socket.AF_UNIX) as probe:
            probe.settimeout(1)
            try:
                probe.connect(url.removeprefix("unix://"))
            except OSError:
                return False
        return True
    address = urlsplit(url)
    try:
        with socket.create_connection((address.hostname or "", address.port or 0), timeout=1):
            return True
    except OSError:
        return False


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextlib.contextmanager
def spare_engine(
    log_dir: Path, images: Sequence[str], *, name: str, bridge_address: str,
    url: str = "", dockerd_args: Sequence[str] = (), cli_args: Sequence[str] = (),
    tls: TLSConfig | None = None,
) -> Iterator[Engine]:
    """A started dockerd holding ``images``; stopped and its files removed afterwards.

    ``url`` defaults to a unix socket under the engine's root; for a tcp:// one, pass the
    TLS options in ``dockerd_args``, the same for the CLI in ``cli_args`` and ``tls``.
    """
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.fail("a spare engine needs root and dockerd")
    # short paths: unix socket names are limited to 108 bytes
    root = Path(f"/tmp/tggrid-{name}-{os.getpid()}")
    root.mkdir()
    bridge = f"tggrid-{name}"[:15]  # interface names are limited to 15 bytes
    with contextlib.suppress(subprocess.CalledProcessError):
        _ip("link", "del", bridge)
    _ip("link", "add", bridge, "type", "bridge")
    _ip("addr", "add", bridge_address, "dev", bridge)
    _ip("link", "set", bridge, "up")
    url = url or f"unix://{root}/docker.sock"
    argv = ["dockerd", "--host", url, "--data-root", f"{root}/data", "--exec-root",
            f"{root}/exec", "--pidfile", f"{root}/docker.pid", "--bridge", bridge,
            "--iptables=false", "--ip-masq=false", *dockerd_args]
    client_url = url.replace("tcp://", "https://") if tls is not None else url
    client = docker.DockerClient(base_url=client_url, tls=tls or False, timeout=300,
                                 version="1.41")
    client.api.trust_env = False  # else REQUESTS_CA_BUNDLE would replace the TLS CA file
    engine = Engine(url, client, argv, log_dir / "dockerd.log", ["-H", url, *cli_args])
    try:
        engine.start()
        if images:
            save = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
            assert save.stdout is not None
            with save.stdout:
                subprocess.run(["docker", *engine.cli, "load", "-q"], stdin=save.stdout,
                               check=True, capture_output=True)
            assert save.wait() == 0
        yield engine
    finally:
        engine.stop()
        client.close()
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", bridge)
        shutil.rmtree(root, ignore_errors=True)
