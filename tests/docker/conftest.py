"""Fixtures for tests against a real Docker engine: the engine itself and containers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import DockerException, NotFound
from docker.models.containers import Container

from hub import images

ENGINE_START_TIMEOUT = 30.0
DEFAULT_SOCKET = "/var/run/docker.sock"
TEST_LABEL = "tggrid.test"

RunContainer = Callable[..., Container]


def _default_socket_accepts() -> bool:
    """Probe the engine's default socket ourselves: docker-py leaks the socket of a failed
    connect, which `filterwarnings = error` turns into a test error."""
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1)
        try:
            probe.connect(DEFAULT_SOCKET)
        except OSError:
            return False
    return True


def _ping() -> docker.DockerClient | None:
    if "DOCKER_HOST" not in os.environ and not _default_socket_accepts():
        return None
    try:
        client = docker.from_env()
    except DockerException:
        return None
    try:
        client.ping()
    except DockerException:
        client.close()
        return None
    return client


@pytest.fixture(scope="session")
def docker_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker.DockerClient]:
    """A client of the local engine; starts dockerd (and stops it after) when none runs."""
    client = _ping()
    if client is not None:
        try:
            yield client
        finally:
            client.close()
        return
    if shutil.which("dockerd") is None or os.geteuid() != 0:
        pytest.fail("no Docker engine answers and dockerd cannot be started (needs root)")
    log_path = tmp_path_factory.mktemp("dockerd") / "dockerd.log"
    with open(log_path, "wb") as log:
        daemon = subprocess.Popen(["dockerd"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ENGINE_START_TIMEOUT
        while (client := _ping()) is None:
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dockerd did not start:\n{Path(log_path).read_text()[-2000:]}")
            time.sleep(0.5)
        try:
            yield client
        finally:
            client.close()
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


@pytest.fixture
def run_container(docker_client: docker.DockerClient) -> Iterator[RunContainer]:
    """Factory: start a detached container (test-labelled); every one is removed at teardown."""
    started: list[Container] = []

    def run(image: str, **kwargs: Any) -> Container:
        labels = {TEST_LABEL: "1", **kwargs.pop("labels", {})}
        container = docker_client.containers.run(image, detach=True, labels=labels, **kwargs)
        started.append(container)
        return container

    yield run
    for container in started:
        with contextlib.suppress(NotFound):
            container.remove(force=True, v=True)


@pytest.fixture(scope="session")
def node_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """Both browser images for this checkout (built once; a no-op when they exist)."""
    return {name: images.build_image(name, client=docker_client, log=print, pull=False)
            for name in images.IMAGES}
