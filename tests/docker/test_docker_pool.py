"""The warm pool on a Docker engine: started containers (Chrome, Firefox) whose driver already
holds a session with the pool's launch profile, handed to a plain ChromeOptions() or
FirefoxOptions()."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import docker
import pytest
from docker.models.containers import Container
from selenium import webdriver

from hub import images
from hub.peers.ids import KEY_LENGTH
from tests.docker.test_docker_node import PAGE, options_for, session_containers, wait_until
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]


def _pool(hub: RunningHub) -> dict[str, Any]:
    return hub.request("GET", "/api/config/auto-scaling")[1]["pool"]


def _running(client: docker.DockerClient, hub: RunningHub) -> dict[str, Container]:
    return {c.id: c for c in session_containers(client, hub) if c.status == "running"}


def _serves(container: Container, session_id: str) -> bool:
    """Whether the driver in ``container`` holds the hub's ``session_id`` (asked on its
    published port, under the driver's own id: the hub's ends with the hub's key)."""
    port = container.ports["4444/tcp"][0]["HostPort"]
    driver_id = session_id[:-KEY_LENGTH]
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/session/{driver_id}/url", timeout=30) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(params=images.IMAGES)
def browser(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pooled_hub(browser: str, node_images: dict[str, str], hub_factory: HubFactory,
               docker_client: docker.DockerClient) -> RunningHub:
    # room for the pooled container and the session it becomes, so the pool can refill
    # (pooled browsers count against the node's capacity)
    hub = hub_factory("--provider", "docker", "--browsers", browser, "--warm-pool-size", "1",
                      "--docker-max-sessions", "2")
    wait_until(lambda: _pool(hub)["size"] == 1, "the pool filling", timeout=180)
    return hub


def test_a_plain_session_gets_a_pooled_container(
    browser: str, pooled_hub: RunningHub, docker_client: docker.DockerClient,
) -> None:
    waiting = _running(docker_client, pooled_hub)
    driver = webdriver.Remote(pooled_hub.url, options=options_for(browser))
    try:
        driver.get(PAGE)
        title = driver.title
        serving = [c for c in _running(docker_client, pooled_hub).values()
                   if _serves(c, driver.session_id)]
        wait_until(lambda: _pool(pooled_hub)["size"] == 1, "the pool refilling", timeout=180)
    finally:
        driver.quit()

    assert title == "TGGrid"
    assert len(waiting) == 1
    assert [c.id for c in serving] == list(waiting)
    assert _pool(pooled_hub)["handedOut"] == 1


def test_a_pooled_container_that_dies_is_replaced(
    browser: str, pooled_hub: RunningHub, docker_client: docker.DockerClient,
) -> None:
    (victim,) = _running(docker_client, pooled_hub).values()
    victim.kill()
    wait_until(lambda: _pool(pooled_hub)["replaced"] >= 1 and _pool(pooled_hub)["size"] == 1,
               "the dead container to be replaced", timeout=180)
    fresh = _running(docker_client, pooled_hub)
    driver = webdriver.Remote(pooled_hub.url, options=options_for(browser))
    try:
        driver.get(PAGE)
        title = driver.title
        serving = [c.id for c in fresh.values() if _serves(c, driver.session_id)]
    finally:
        driver.quit()

    assert victim.id not in fresh
    assert title == "TGGrid"
    assert serving == list(fresh)
