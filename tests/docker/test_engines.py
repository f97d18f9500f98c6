"""Several Docker engines: each its own node; sessions spread; a stopped engine is avoided.

The second engine is a real dockerd on its own socket, data root, exec root and bridge (its own
address range, no iptables), holding the browser images copied over with save | load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest
from selenium import webdriver

from tests.docker.test_docker_node import PAGE, options_for, session_containers, wait_until
from tests.support.engines import Engine, spare_engine
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def second_engine(
    tmp_path_factory: pytest.TempPathFactory, node_images: dict[str, str],
) -> Iterator[Engine]:
    with spare_engine(tmp_path_factory.mktemp("dockerd2"), list(node_images.values()),
                      name="engine", bridge_address="10.231.77.1/24") as engine:
        yield engine


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

    engines = {e["id"]: e["status"] for e in degraded["details"]["docker"]["engines"]}
    assert code == 200
    assert degraded["details"]["docker"]["status"] == "down"
    assert sorted(engines.values()) == ["down", "up"]
    assert title == "TGGrid"
    assert back["details"]["docker"]["status"] == "up"
    assert {e["status"] for e in back["details"]["docker"]["engines"]} == {"up"}
