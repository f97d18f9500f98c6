"""`--provider kubernetes` through a real hub, against a FAKE Kubernetes API server whose Pods
are real containers of the browser image (tests/support/fake_kube_api.py): each Pod's ports
are published on a loopback address of its own, reported as the Pod's IP, so the hub reaches
the driver, DevTools and VNC as it would reach a Pod in a cluster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import docker
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException

from hub import images
from hub.peers.ids import KEY_LENGTH
from tests.docker.test_docker_node import PAGE, wait_until
from tests.integration.media.conftest import fetch, open_session, probe, show, wait_for_video
from tests.integration.media.test_lifecycle import status_of
from tests.support.fake_kube_api import FakeKubeApiThread
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.s3_emulator import S3Emulator

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
        kube.run(kube.api.stop)  # the API server goes away: the session's traffic does not
        driver.get(f"{PAGE}<p>while the API server was away</p>")
        title_while_away = driver.title
        kube.run(kube.api.start)
    finally:
        driver.quit()

    assert title == "TGGrid"
    assert len(pods) == 1 and pods[0]["metadata"]["namespace"] == "grid"
    assert pods[0]["metadata"]["labels"]["tggrid.session"]
    assert driver.capabilities["se:cdp"].startswith(hub.url.replace("http", "ws"))
    assert "Chrome" in version["product"]
    assert banner.startswith(b"RFB 003.")
    assert title_while_away == "TGGrid"
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
        driver_id = driver.session_id[:-KEY_LENGTH]  # the hub's id ends with the hub's key
        with urllib.request.urlopen(  # the waiting Pod's driver holds the client's session
                f"http://{address}:4444/session/{driver_id}/url", timeout=30) as reply:
            served_by_waiting = reply.status == 200
        wait_until(lambda: pool()["size"] == 1, "the pool refilling", timeout=120)
    finally:
        driver.quit()

    assert served_by_waiting and pool()["handedOut"] == 1
    wait_until(lambda: len(pods_of(kube, hub)) == 1, "the used Pod deleted", timeout=60)
    assert waiting["metadata"]["name"] not in kube.api.pods  # the fresh one waits


@pytest.fixture
def emulator() -> Iterator[S3Emulator]:
    server = S3Emulator().start()
    try:
        yield server
    finally:
        server.stop()


def test_a_recorded_pod_session_goes_to_s3_and_downloads_through_the_hub(
        hub_factory: HubFactory, kube: FakeKubeApiThread, chrome_image: str,
        emulator: S3Emulator, tmp_path: Path) -> None:
    hub = k8s_hub(hub_factory, kube, chrome_image, *emulator.hub_args())
    driver = open_session(hub, enableVideo=True, videoName="from-a-pod")
    try:
        # the Pod films the session, so the answer links its video
        assert driver.capabilities["tggrid:videoUrl"] == (
            f"{hub.url}/api/sessions/{driver.session_id}/video")
        (pod,) = pods_of(kube, hub)
        for colour in ("red", "blue", "green"):
            show(driver, colour)
            time.sleep(0.7)
    finally:
        driver.quit()

    recording = status_of(hub, driver.session_id)
    assert recording["status"] == "ready", recording
    wait_until(emulator.objects, "the upload", timeout=60)
    [(key, stored)] = emulator.objects().items()
    assert key == f"recordings/{recording['id']}/from-a-pod.mp4"
    url = f"{hub.url}/api/sessions/{driver.session_id}/video"
    status, headers, whole = wait_for_video(url)
    assert (status, headers["Content-Type"], whole) == (200, "video/mp4", stored)
    status, headers, part = fetch(url, {"Range": "bytes=100-199"})
    assert (status, part, headers["Content-Range"]) == (206, stored[100:200],
                                                       f"bytes 100-199/{len(stored)}")
    video = tmp_path / "video.mp4"
    video.write_bytes(whole)
    codec, duration = probe(video)
    assert codec == "h264" and duration > 1.5
    # the hub shares no volume with the Pod: the video came over the Pod's network
    assert all(set(volume) == {"name", "emptyDir"} for volume in pod["spec"]["volumes"])
    wait_until(lambda: not pods_of(kube, hub), "the Pod deleted after the fetch", timeout=60)


def test_a_pod_deleted_under_a_recorded_session_leaves_its_video_a_killed_one_the_reason(
        hub_factory: HubFactory, kube: FakeKubeApiThread, chrome_image: str,
        tmp_path: Path) -> None:
    hub = k8s_hub(hub_factory, kube, chrome_image)
    deleted = open_session(hub, enableVideo=True, videoName="deleted")
    (deleted_pod,) = (p["metadata"]["name"] for p in pods_of(kube, hub))
    killed = open_session(hub, enableVideo=True, videoName="killed")
    (killed_pod,) = (p["metadata"]["name"] for p in pods_of(kube, hub)
                     if p["metadata"]["name"] != deleted_pod)
    try:
        for driver in (deleted, killed):
            show(driver, "red")
        time.sleep(2)
        # `kubectl delete pod`: the Pod gets its grace period, the hub fetches what it recorded
        kube.run(kube.api.delete_pod, deleted_pod)
        # the node dies outright: nothing is left to fetch
        kube.api.containers[killed_pod].kill()
        for driver in (deleted, killed):
            wait_until(lambda d=driver: hub.request(  # type: ignore[misc]
                "GET", f"/session/{d.session_id}/title")[0] == 404, "the hub noticing",
                timeout=30)
    finally:
        for driver in (deleted, killed):
            with contextlib.suppress(WebDriverException):
                driver.quit()

    kept = status_of(hub, deleted.session_id)
    assert kept["status"] in {"ready", "partial"}, kept
    status, _, body = wait_for_video(f"{hub.url}/api/sessions/{deleted.session_id}/video")
    assert status == 200
    (tmp_path / "deleted.mp4").write_bytes(body)
    assert probe(tmp_path / "deleted.mp4")[1] > 1
    lost = status_of(hub, killed.session_id)
    assert lost["status"] == "failed", lost
    assert f"could not fetch the video from Pod {killed_pod}" in lost["error"], lost
    # The session's own end reason joins this only when the Pod's watch or the liveness probe
    # noticed first; a client command that finds the driver gone ends it through the proxy,
    # whose reason the node does not hear (see the closing note of this change).
