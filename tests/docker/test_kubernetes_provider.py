"""`--provider kubernetes` through a real hub, against a FAKE Kubernetes API server whose Pods
are real containers of the browser image (tests/support/fake_kube_api.py): each Pod's ports
are published on a loopback address of its own, reported as the Pod's IP, so the hub reaches
the driver, DevTools and VNC as it would reach a Pod in a cluster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import docker
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException

from hub import images
from tests.docker.test_docker_node import PAGE, wait_until
from tests.support.fake_kube_api import FakeKubeApiThread
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def chrome_image(docker_client: docker.DockerClient) -> str:
    return images.build_image("chrome", client=docker_client, log=print, pull=False)


@pytest.fixture
def kube(docker_client: docker.DockerClient) -> Iterator[FakeKubeApiThread]:
    fake = FakeKubeApiThread(docker_client)
    try:
        yield fake
    finally:
        fake.close()


def k8s_hub(hub_factory: HubFactory, kube: FakeKubeApiThread, image: str,
            *extra: str) -> RunningHub:
    return hub_factory("--provider", "kubernetes", "--kubernetes-api-url", kube.api.url,
                       "--kubernetes-namespace", "grid", "--kubernetes-max-pods", "2",
                       "--browsers", "chrome", "--docker-images", f"chrome={image}",
                       *extra)


def pods_of(kube: FakeKubeApiThread, hub: RunningHub) -> list[dict[str, Any]]:
    return [p for p in list(kube.api.pods.values())
            if p["metadata"]["labels"].get("tggrid.browser") == "chrome"]


async def cdp_version(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await ws.send_json({"id": 1, "method": "Browser.getVersion"})
        return json.loads((await ws.receive()).data)["result"]


def test_a_session_runs_in_its_own_pod_with_cdp_and_vnc_and_the_pod_goes_with_it(
        hub_factory: HubFactory, kube: FakeKubeApiThread, chrome_image: str) -> None:
    hub = k8s_hub(hub_factory, kube, chrome_image)
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"enableVNC": True})
    driver = webdriver.Remote(hub.url, options=options)
    try:
        driver.get(PAGE)
        title = driver.title
        pods = pods_of(kube, hub)
        version = asyncio.run(cdp_version(driver.capabilities["se:cdp"]))
        vnc_host = pods[0]["status"]["podIP"]
        with socket.create_connection((vnc_host, 5900), timeout=10) as vnc:
            banner = vnc.recv(12)
    finally:
        driver.quit()

    assert title == "TGGrid"
    assert len(pods) == 1 and pods[0]["metadata"]["namespace"] == "grid"
    assert pods[0]["metadata"]["labels"]["tggrid.session"]
    assert driver.capabilities["se:cdp"].startswith(hub.url.replace("http", "ws"))
    assert "Chrome" in version["product"]
    assert banner.startswith(b"RFB 003.")
    wait_until(lambda: not pods_of(kube, hub), "the Pod deleted with the session", timeout=60)
    assert not kube.api.containers


def test_a_pod_deleted_under_a_live_session_ends_it_with_the_reason(
        hub_factory: HubFactory, kube: FakeKubeApiThread, chrome_image: str) -> None:
    hub = k8s_hub(hub_factory, kube, chrome_image)
    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        driver.get(PAGE)
        (pod,) = pods_of(kube, hub)
        kube.run(kube.api.delete_pod, pod["metadata"]["name"])
        wait_until(lambda: hub.request("GET", f"/session/{driver.session_id}/title")[0] == 404,
                   "the hub noticing", timeout=30)
        with pytest.raises(WebDriverException) as ended:
            driver.get(PAGE)
    finally:
        with contextlib.suppress(WebDriverException):  # the session is already gone
            driver.quit()

    assert "was deleted" in ended.value.msg
    status = hub.request("GET", "/status")[1]["value"]
    assert status["ready"]  # the slot is free again


def test_the_warm_pool_keeps_a_started_pod(
        hub_factory: HubFactory, kube: FakeKubeApiThread, chrome_image: str) -> None:
    hub = k8s_hub(hub_factory, kube, chrome_image, "--warm-pool-size", "1")
    pool = lambda: hub.request("GET", "/api/config/auto-scaling")[1]["pool"]  # noqa: E731
    wait_until(lambda: pool()["size"] == 1, "the pool filling", timeout=120)
    (waiting,) = pods_of(kube, hub)

    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        driver.get(PAGE)
        address = kube.api.pods[waiting["metadata"]["name"]]["status"]["podIP"]
        with urllib.request.urlopen(  # the waiting Pod's driver holds the client's session
                f"http://{address}:4444/session/{driver.session_id}/url", timeout=30) as reply:
            served_by_waiting = reply.status == 200
        wait_until(lambda: pool()["size"] == 1, "the pool refilling", timeout=120)
    finally:
        driver.quit()

    assert served_by_waiting and pool()["handedOut"] == 1
    wait_until(lambda: len(pods_of(kube, hub)) == 1, "the used Pod deleted", timeout=60)
    assert waiting["metadata"]["name"] not in kube.api.pods  # the fresh one waits
