"""The standalone image run as a CI service would run it (tests/docker, tests/plugin)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import docker
import pytest
from docker.models.containers import Container

from hub import images

HEALTHY_TIMEOUT = 120.0
TEST_LABEL = "tggrid.test"


def build(client: docker.DockerClient, name: str = "standalone") -> str:
    """The image for this checkout (a no-op when its tag exists)."""
    return images.build_image(name, client=client, log=print, pull=False)


def wait_healthy(container: Container, timeout: float = HEALTHY_TIMEOUT) -> None:
    """Until the image's own HEALTHCHECK says healthy (GET /api/health answers 200), as a
    CI waits for a service container."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        state = container.attrs["State"]
        if state.get("Health", {}).get("Status") == "healthy":
            return
        if state["Status"] == "exited" or time.monotonic() > deadline:
            logs = container.logs(tail=40).decode(errors="replace")
            pytest.fail(f"{container.attrs['Config']['Image']} not healthy ({state}):\n{logs}")
        time.sleep(0.5)


def published(container: Container, port: str = "4444/tcp") -> int:
    """The host port the engine published `port` on; it must be on the loopback."""
    container.reload()
    (binding,) = container.ports[port]
    assert binding["HostIp"] == "127.0.0.1"
    return int(binding["HostPort"])


@contextlib.contextmanager
def service(client: docker.DockerClient, image: str) -> Iterator[str]:
    """`docker run --shm-size 2g -p 127.0.0.1::4444 IMAGE`, healthy: the hub's URL."""
    container = client.containers.run(
        image, detach=True, labels={TEST_LABEL: "1"}, shm_size="2g",
        ports={"4444/tcp": ("127.0.0.1", None)})
    try:
        wait_healthy(container)
        yield f"http://127.0.0.1:{published(container)}"
    finally:
        container.remove(force=True, v=True)
