"""Several Docker engines: each its own node; sessions spread; a stopped engine is avoided.

The second engine is a real dockerd on its own socket, data root, exec root and bridge (its own
address range, no iptables), holding the browser images copied over with save | load.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from selenium import webdriver

from tests.docker.test_docker_node import PAGE, node_images, options_for, session_containers
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]

BRIDGE = "tggrid-br1"
BRIDGE_ADDRESS = "10.231.77.1/24"
__all__ = ["node_images"]  # the fixture, re-used from test_docker_node


@dataclass
class Engine:
    url: str
    client: docker.DockerClient
    daemon: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(60)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()


def _accepts(path: Path) -> bool:
    """Probe the socket ourselves: docker-py leaks the socket of a failed connect."""
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def second_engine(
    tmp_path_factory: pytest.TempPathFactory, docker_client: docker.DockerClient,
    node_images: dict[str, str],
) -> Iterator[Engine]:
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.fail("a second engine needs root and dockerd")
    # short paths: unix socket names are limited to 108 bytes
    root = Path(f"/tmp/tggrid-engine-{os.getpid()}")
    root.mkdir()
    with contextlib.suppress(subprocess.CalledProcessError):
        _ip("link", "del", BRIDGE)
    _ip("link", "add", BRIDGE, "type", "bridge")
    _ip("addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE)
    _ip("link", "set", BRIDGE, "up")
    url = f"unix://{root}/docker.sock"
    log = tmp_path_factory.mktemp("dockerd2") / "dockerd.log"
    with open(log, "wb") as output:
        daemon = subprocess.Popen(
            ["dockerd", "--host", url, "--data-root", f"{root}/data", "--exec-root",
             f"{root}/exec", "--pidfile", f"{root}/docker.pid", "--bridge", BRIDGE,
             "--iptables=false", "--ip-masq=false"],
            stdout=output, stderr=subprocess.STDOUT)
    client = docker.DockerClient(base_url=url, timeout=300, version="1.41")
    engine = Engine(url, client, daemon, log)
    try:
        deadline = time.monotonic() + 60
        while not _accepts(root / "docker.sock"):
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"second dockerd did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        client.ping()
        save = subprocess.Popen(["docker", "save", *node_images.values()],
                                stdout=subprocess.PIPE)
        assert save.stdout is not None
        with save.stdout:
            subprocess.run(["docker", "-H", url, "load", "-q"], stdin=save.stdout, check=True,
                           capture_output=True)
        assert save.wait() == 0
        yield engine
    finally:
        engine.stop()
        client.close()
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", BRIDGE)
        shutil.rmtree(root, ignore_errors=True)


def test_sessions_spread_over_engines_and_avoid_a_stopped_one(
    second_engine: Engine, docker_client: docker.DockerClient, hub_factory: HubFactory,
) -> None:
    # the second engine is listed first: with both idle the balancer's tie goes to it
    hub = hub_factory("--provider", "docker", "--browsers", "chrome", "--docker-max-sessions",
                      "2", "--docker-hosts", f"{second_engine.url},unix:///var/run/docker.sock")
    drivers = [webdriver.Remote(hub.url, options=options_for("chrome")) for _ in range(2)]
    try:
        spread = (len(session_containers(second_engine.client, hub)),
                  len(session_containers(docker_client, hub)))
        for driver in drivers:
            driver.get(PAGE)
            assert driver.title == "TGGrid"
    finally:
        for driver in drivers:
            driver.quit()
    nodes = hub.request("GET", "/status")[1]["value"]["nodes"]

    second_engine.stop()
    after = webdriver.Remote(hub.url, options=options_for("chrome"))
    try:
        after.get(PAGE)
        survivor = len(session_containers(docker_client, hub))
    finally:
        after.quit()

    assert spread == (1, 1)
    assert sorted(n["uri"] for n in nodes) == sorted(
        [second_engine.url, "unix:///var/run/docker.sock"])
    assert survivor == 1
