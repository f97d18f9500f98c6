"""Docker sessions whose container dies: the video up to about a second before is kept."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from selenium import webdriver

from tests.docker.test_docker_node import (
    PAGE,
    docker_hub,
    options_for,
    session_containers,
    wait_until,
)
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.videos import decode_every_frame

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

def _recording(hub: RunningHub, session_id: str) -> dict:
    found: list[dict] = []

    def settled() -> bool:
        found[:] = [r for r in hub.request("GET", "/api/recordings")[1]["recordings"]
                    if r["sessionId"] == session_id and r["status"] != "recording"]
        return bool(found)

    wait_until(settled, "the recording to be settled")
    return found[0]


def _download(hub: RunningHub, session_id: str, path: Path) -> None:
    with urllib.request.urlopen(f"{hub.url}/api/sessions/{session_id}/video",
                                timeout=60) as reply:
        path.write_bytes(reply.read())
    decode_every_frame(path)


def _recorded(hub_factory: HubFactory, docker_client: docker.DockerClient, *hub_args: str
              ) -> tuple[RunningHub, webdriver.Remote, Container]:
    """A Docker hub with one recorded session three seconds in, and its container."""
    hub = docker_hub(hub_factory, "--browsers", "chrome", *hub_args)
    driver = webdriver.Remote(hub.url, options=options_for(
        "chrome", enableVideo=True, screenResolution="640x480"))
    for index in range(6):
        driver.get(f"{PAGE}<p>{index}</p>")
        time.sleep(0.5)
    [container] = session_containers(docker_client, hub)
    return hub, driver, container


def test_a_killed_container_leaves_a_partial_video(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
    tmp_path: Path,
) -> None:
    hub, driver, container = _recorded(hub_factory, docker_client)
    container.kill()  # SIGKILL: ffmpeg never finishes the file

    recording = _recording(hub, driver.session_id)
    assert recording["status"] == "partial", recording
    assert "container stopped" in recording["error"]
    assert recording["duration"] >= 1
    _download(hub, driver.session_id, tmp_path / "killed-container.mp4")
    wait_until(lambda: not session_containers(docker_client, hub), "the dead container to go")



def test_a_browser_killed_in_its_running_container_ends_the_silent_session(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
    tmp_path: Path,
) -> None:
    hub, driver, container = _recorded(hub_factory, docker_client)
    # SIGKILL the browser's main process (the oldest); the entrypoint and the driver live on,
    # so the container keeps running. The client says nothing from here on.
    killed = container.exec_run(["pkill", "-KILL", "-o", "-x", "chromium"])
    assert killed.exit_code == 0, killed.output

    def ended() -> bool:
        row = hub.request("GET", f"/api/sessions/{driver.session_id}")[1]
        return row.get("state") not in (None, "running")

    wait_until(ended, "the session to end", timeout=30)  # the idle timeout is 300 s
    row = hub.request("GET", f"/api/sessions/{driver.session_id}")[1]
    assert row["state"] == "failed", row
    assert "the browser died while the client was silent" in row["endReason"], row
    status, body = hub.request("GET", f"/session/{driver.session_id}/url")
    assert status == 404 and "the browser died" in body["value"]["message"], body
    wait_until(lambda: not session_containers(docker_client, hub), "the container to go")
    assert driver.session_id not in str(hub.request("GET", "/status")[1])  # the slot is free

    recording = _recording(hub, driver.session_id)
    assert recording["status"] in {"ready", "partial"}, recording
    assert recording["duration"] >= 2, recording
    _download(hub, driver.session_id, tmp_path / "killed-browser-in-container.mp4")
