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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest
from selenium import webdriver

from tests.docker.test_docker_node import PAGE, options_for, session_containers, wait_until
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]

BRIDGE = "tggrid-br1"
BRIDGE_ADDRESS = "10.231.77.1/24"


@dataclass
class Engine:
    url: str
    client: docker.DockerClient
    argv: list[str]
    log: Path
    daemon: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start dockerd (again) and wait until its socket answers."""
        if self.daemon is not None and self.daemon.poll() is None:
            return
        with open(self.log, "ab") as output:
            self.daemon = subprocess.Popen(self.argv, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not _accepts(Path(self.url.removeprefix("unix://"))):
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"second dockerd did not start:\n{self.log.read_text()[-2000:]}")
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
    argv = ["dockerd", "--host", url, "--data-root", f"{root}/data", "--exec-root",
            f"{root}/exec", "--pidfile", f"{root}/docker.pid", "--bridge", BRIDGE,
            "--iptables=false", "--ip-masq=false"]
    log = tmp_path_factory.mktemp("dockerd2") / "dockerd.log"
    client = docker.DockerClient(base_url=url, timeout=300, version="1.41")
    engine = Engine(url, client, argv, log)
    try:
        engine.start()
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
    second_engine.start()
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


def test_health_is_degraded_while_an_engine_is_stopped(
    second_engine: Engine, hub_factory: HubFactory,
) -> None:
    second_engine.start()
    hub = hub_factory("--provider", "docker", "--browsers", "chrome", "--health-check-interval",
                      "1", "--docker-hosts", f"unix:///var/run/docker.sock,{second_engine.url}")

    def health() -> tuple[int, dict[str, Any]]:
        return hub.request("GET", "/api/health")

    def status_is(wanted: str) -> Callable[[], bool]:
        return lambda: health()[1]["status"] == wanted

    wait_until(status_is("healthy"), "the hub to be healthy")
    second_engine.stop()
    wait_until(status_is("degraded"), "the hub to notice the stopped engine")
    code, degraded = health()
    after_stop = webdriver.Remote(hub.url, options=options_for("chrome"))
    try:
        after_stop.get(PAGE)
        title = after_stop.title
    finally:
        after_stop.quit()
    second_engine.start()
    wait_until(status_is("healthy"), "the engine to be back in the hub's health")
    back = health()[1]

    engines = {e["id"]: e["status"] for e in degraded["services"]["docker"]["engines"]}
    assert code == 200
    assert degraded["services"]["docker"]["status"] == "down"
    assert sorted(engines.values()) == ["down", "up"]
    assert title == "TGGrid"
    assert back["services"]["docker"]["status"] == "up"
    assert {e["status"] for e in back["services"]["docker"]["engines"]} == {"up"}
