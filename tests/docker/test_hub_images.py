"""The hub and standalone images (`tggrid images build hub standalone`), run for real: the
standalone container as a CI service (Selenium with video and VNC, Playwright over /cdp), the
hub image on the engine's socket starting a browser container through the Docker provider."""

from __future__ import annotations

import asyncio
import http.client
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import docker
import pytest
from playwright.sync_api import sync_playwright
from selenium import webdriver

from hub import images
from hub.nodes.docker_engines import HUB_PIDNS_LABEL, SESSION_LABEL
from tests.docker.conftest import RunContainer
from tests.plugin.conftest import assert_playable_video
from tests.support import standalone as standalone_image
from tests.support.hubs import free_port

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]

PAGE = "data:text/html,<title>TGGrid</title><h1>hello from the standalone image</h1>"


@pytest.fixture(scope="session")
def hub_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """Both hub images for this checkout, built once per run (a no-op when their tags exist)."""
    return {name: standalone_image.build(docker_client, name) for name in images.SERVICE_IMAGES}


@pytest.fixture(scope="module")
def standalone(hub_images: dict[str, str], docker_client: docker.DockerClient,
               ) -> Iterator[str]:
    """`docker run -p 127.0.0.1::4444 tggrid/standalone`, as a CI service: the hub's URL."""
    with standalone_image.service(docker_client, hub_images["standalone"]) as url:
        yield url


def get(url: str, host: str | None = None) -> tuple[int, bytes]:
    parts = urllib.request.urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path, headers={"Host": host} if host else {})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def test_standalone_answers_to_the_published_loopback_names_only(standalone: str) -> None:
    """The hub listens on 0.0.0.0 inside; its Host guard still takes only the names a client
    of the published port uses (and refuses a rebound name)."""
    port = standalone.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost:4444", "127.0.0.1:4444"):
        status, _ = get(f"{standalone}/status", host)
        assert status == 200, host
    status, body = get(f"{standalone}/status", f"attacker.example:{port}")
    assert status == 403 and b"attacker.example" in body


async def _vnc_banner(url: str) -> bytes:
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        message = await ws.receive(timeout=30)
        return bytes(message.data[:12])


def test_standalone_selenium_with_video_and_live_view(standalone: str, tmp_path: Path) -> None:
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"enableVNC": True, "enableVideo": True,
                                              "name": "standalone"})
    driver = webdriver.Remote(f"{standalone}/wd/hub", options=options)
    try:
        assert driver.capabilities["se:vnc"].startswith(standalone.replace("http", "ws"))
        banner = asyncio.run(_vnc_banner(driver.capabilities["se:vnc"]))
        for index in range(3):
            driver.get(f"{PAGE}<p>{index}</p>")
            time.sleep(0.5)
        title = driver.title
    finally:
        driver.quit()
    assert (title, banner) == ("TGGrid", b"RFB 003.008\n")
    video = tmp_path / "video.mp4"
    deadline = time.monotonic() + 60
    while True:  # the video is served once the recording is finalised after quit
        status, body = get(f"{standalone}/api/sessions/{driver.session_id}/video")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == 200, body[:300]
    video.write_bytes(body)
    assert_playable_video(video)


def test_standalone_firefox(standalone: str) -> None:
    driver = webdriver.Remote(standalone, options=webdriver.FirefoxOptions())
    try:
        driver.get(PAGE)
        assert (driver.title, driver.capabilities["browserName"]) == ("TGGrid", "firefox")
    finally:
        driver.quit()


def test_standalone_playwright_over_cdp(standalone: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(
            f"{standalone.replace('http', 'ws')}/cdp?name=playwright")
        try:
            page = browser.contexts[0].new_page() if browser.contexts else browser.new_page()
            page.set_content("<title>TGGrid</title><h1>over CDP</h1>")
            assert (page.title(), page.inner_text("h1")) == ("TGGrid", "over CDP")
        finally:
            browser.close()


def test_hub_image_runs_a_docker_session_as_non_root(
    hub_images: dict[str, str], docker_client: docker.DockerClient,
    run_container: RunContainer,
) -> None:
    """The hub image as the README runs it with the engine's socket: healthy, uid 1000, and a
    session in a browser container that is gone after quit."""
    images.build_image("chrome", client=docker_client, log=print, pull=False)
    port = free_port()
    socket_gid = os.stat("/var/run/docker.sock").st_gid
    container = run_container(
        hub_images["hub"], network_mode="host", group_add=[str(socket_gid)],
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
        environment={"TGGRID_HOST": "127.0.0.1", "TGGRID_PORT": str(port),
                     "TGGRID_AUTH": "off", "TGGRID_BROWSERS": "chrome",
                     "TGGRID_DOCKER_MAX_SESSIONS": "1"})
    standalone_image.wait_healthy(container)
    code, uid = container.exec_run(["id", "-u"])
    assert (code, uid.strip()) == (0, b"1000")
    assert container.attrs["Config"]["User"] == "tggrid"
    driver = webdriver.Remote(f"http://127.0.0.1:{port}", options=webdriver.ChromeOptions())
    try:
        browsers = docker_client.containers.list(
            filters={"label": SESSION_LABEL, "ancestor": images.image_tag("chrome")})
        driver.get(PAGE)
        title = driver.title
    finally:
        driver.quit()
    assert title == "TGGrid"
    code, namespace = container.exec_run(["stat", "-Lc", "%i", "/proc/self/ns/pid"])
    mine = [c for c in browsers if c.labels.get(HUB_PIDNS_LABEL) == namespace.decode().strip()]
    assert code == 0 and len(mine) == 1, [c.labels for c in browsers]
    deadline = time.monotonic() + 60
    while any(c.id == mine[0].id for c in docker_client.containers.list(all=True)):
        assert time.monotonic() < deadline, "the browser container outlived its session"
        time.sleep(0.5)
