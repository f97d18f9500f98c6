"""The Docker node through real hubs (`--provider docker`) on the local engine."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import aiohttp
import docker
import pytest
from docker.errors import NotFound
from docker.models.containers import Container
from selenium import webdriver
from selenium.common.exceptions import SessionNotCreatedException, WebDriverException
from selenium.webdriver.common.options import ArgOptions

from hub import images
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

PAGE = "data:text/html,<title>TGGrid</title><h1>hello from a container</h1>"
SILENT_IMAGE = "tggrid-test/silent-driver:1"


def options_for(name: str, **tggrid: object) -> ArgOptions:
    options: ArgOptions = {"chrome": webdriver.ChromeOptions,
                           "webkit": webdriver.WebKitGTKOptions}.get(
                               name, webdriver.FirefoxOptions)()
    if tggrid:
        options.set_capability("tggrid:options", tggrid)
    return options


def containers_of(client: docker.DockerClient, hub: RunningHub) -> list[Container]:
    """Every container (running or not) the hub process labelled as its own."""
    while True:  # docker-py inspects each listed container: one may go in between
        with contextlib.suppress(NotFound):
            return client.containers.list(
                all=True, filters={"label": f"tggrid.hub_pid={hub.process.pid}"})


def session_containers(client: docker.DockerClient, hub: RunningHub) -> list[Container]:
    return [c for c in containers_of(client, hub)
            if c.labels.get("tggrid.session") != "version-probe"]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for: {what}")
        time.sleep(0.5)


def docker_hub(hub_factory: HubFactory, *args: str) -> RunningHub:
    return hub_factory("--provider", "docker", "--docker-max-sessions", "1", *args)


@pytest.mark.parametrize("name", images.IMAGES)
def test_session_in_each_image_leaves_no_container(
    name: str, node_images: dict[str, str], hub_factory: HubFactory,
    docker_client: docker.DockerClient,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", name)
    driver = webdriver.Remote(hub.url, options=options_for(name, screenResolution="1024x768"))
    try:
        running = session_containers(docker_client, hub)
        driver.get(PAGE)
        title = driver.title
        screen = driver.execute_script("return [screen.width, screen.height]")
    finally:
        driver.quit()

    assert (title, screen) == ("TGGrid", [1024, 768])
    assert [c.attrs["Config"]["Image"] for c in running] == [node_images[name]]
    ports = running[0].attrs["HostConfig"]["PortBindings"]
    assert {b["HostIp"] for bindings in ports.values() for b in bindings} == {"127.0.0.1"}
    wait_until(lambda: not session_containers(docker_client, hub), "the container to go")


async def _vnc_banner(url: str) -> bytes:
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        message = await ws.receive(timeout=30)
        return message.data[:12]


def test_recorded_session_with_vnc(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
    tmp_path: Path,
) -> None:
    """VNC through the hub's bridge; after quit the video downloads from the hub and plays."""
    hub = docker_hub(hub_factory, "--browsers", "chrome")
    driver = webdriver.Remote(hub.url, options=options_for(
        "chrome", enableVNC=True, enableVideo=True, videoName="docker-node",
        screenResolution="1280x720"))
    try:
        # the node films the session, so the answer links its video
        assert driver.capabilities["tggrid:videoUrl"] == (
            f"{hub.url}/api/sessions/{driver.session_id}/video")
        banner = asyncio.run(_vnc_banner(driver.capabilities["se:vnc"]))
        for index in range(4):
            driver.get(f"{PAGE}<p>{index}</p>")
            time.sleep(0.5)
    finally:
        driver.quit()
    video = tmp_path / "video.mp4"

    def downloaded() -> bool:
        try:
            with urllib.request.urlopen(
                    f"{hub.url}/api/sessions/{driver.session_id}/video", timeout=30) as reply:
                video.write_bytes(reply.read())
                return True
        except urllib.error.HTTPError as error:
            if error.code != 409:  # 409: still being collected
                raise
            return False

    wait_until(downloaded, "the video to be ready")

    assert banner == b"RFB 003.008\n"
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:"
         "format=duration", "-of", "json", str(video)],
        capture_output=True, text=True, check=True).stdout)
    assert probe["streams"][0] == {"codec_name": "h264", "width": 1280, "height": 720}
    assert float(probe["format"]["duration"]) > 1
    assert (hub.data_dir / "recordings" / "docker-node.mp4").is_file()
    wait_until(lambda: not session_containers(docker_client, hub), "the container to go")


def test_idle_timeout_removes_container(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", "chrome", "--session-timeout", "3",
                     "--reaper-interval", "1")
    driver = webdriver.Remote(hub.url, options=options_for("chrome"))
    assert session_containers(docker_client, hub)

    wait_until(lambda: not session_containers(docker_client, hub), "the idle container to go")

    with pytest.raises(WebDriverException, match="ended"):
        driver.get(PAGE)


def test_missing_image_fails_the_request_and_leaves_nothing(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", "chrome", "--docker-images",
                     "chrome=tggrid-test/no-such-image:0", "--session-request-timeout", "10")

    with pytest.raises(SessionNotCreatedException):
        webdriver.Remote(hub.url, options=options_for("chrome"))

    assert "is not on Docker engine" in hub.log()
    assert not containers_of(docker_client, hub)


@pytest.fixture(scope="session")
def silent_image(docker_client: docker.DockerClient, node_images: dict[str, str]) -> str:
    """An image whose 'driver' never answers: the base image sleeping."""
    dockerfile = f"FROM {images.BASE_IMAGE}\nCMD [\"sleep\", \"infinity\"]\n"
    docker_client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=SILENT_IMAGE,
                               rm=True, pull=False)
    return SILENT_IMAGE


def test_driver_that_never_answers_is_removed(
    silent_image: str, hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", "chrome", "--docker-images",
                     f"chrome={silent_image}", "--session-start-timeout", "5",
                     "--session-request-timeout", "15")

    with pytest.raises(SessionNotCreatedException):
        webdriver.Remote(hub.url, options=options_for("chrome"))

    assert "did not answer /status within 5 s" in hub.log()
    assert not containers_of(docker_client, hub)


def test_container_killed_mid_session(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    """The next command gets a W3C error, and the one slot takes a new session."""
    hub = docker_hub(hub_factory, "--browsers", "chrome")
    driver = webdriver.Remote(hub.url, options=options_for("chrome"))
    driver.get(PAGE)
    [container] = session_containers(docker_client, hub)

    container.kill()

    with pytest.raises(WebDriverException) as failure:
        driver.get(PAGE)
    assert "session" in str(failure.value).lower()
    wait_until(lambda: not session_containers(docker_client, hub), "the dead container to go")
    second = webdriver.Remote(hub.url, options=options_for("chrome"))
    try:
        second.get(PAGE)
        assert second.title == "TGGrid"
    finally:
        second.quit()


def test_containers_of_a_killed_hub_are_removed_by_the_next(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    crashed = docker_hub(hub_factory, "--browsers", "chrome")
    webdriver.Remote(crashed.url, options=options_for("chrome"))  # never quit
    crashed.stop(signal.SIGKILL)
    assert session_containers(docker_client, crashed)

    docker_hub(hub_factory, "--browsers", "chrome")

    assert not containers_of(docker_client, crashed)
