"""`docker compose up` from the repository root, as docs/compose.md tells a newcomer: Debian's
Compose (docker-compose 1.29) starts PostgreSQL, two hubs and HAProxy; the example suite runs
through the load balancer with an API token of the admin the environment created; then the
grid goes down and up again and nothing is lost (the account and its token, the audit log,
the videos). Its own project name and free ports, so it never meets anyone else's grid; the
project is removed with its volumes at the end."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from hub import images
from tests.plugin.ci_steps import scratch_checkout
from tests.support.hubs import free_port

pytestmark = [pytest.mark.docker, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
ADMIN = "admin@example.org"
UP_TIMEOUT = 240.0
# compose.yaml's default: each request to the next healthy hub, so a session's commands, its
# video download and the dashboard reach both hubs (the one that did not start the session
# forwards to the one that did).
LB_BALANCE = "roundrobin"


class Grid:
    """One compose project of compose.yaml, driven with docker-compose from the repository."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.project = f"tggrid-test-{secrets.token_hex(4)}"
        self.env_file = tmp / "compose.env"
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        self.env = env
        self.url = f"http://127.0.0.1:{env['LB_PORT']}"

    def compose(self, *args: str, timeout: float = 300) -> str:
        assert COMPOSE is not None
        done = subprocess.run(
            [COMPOSE, "--project-name", self.project, "--env-file", str(self.env_file), *args],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
            env={k: v for k, v in os.environ.items() if not k.startswith("TGGRID_")})
        assert done.returncode == 0, f"docker-compose {' '.join(args)}:\n{done.stderr[-3000:]}"
        return done.stdout

    def up(self) -> None:
        self.compose("up", "-d")
        deadline = time.monotonic() + UP_TIMEOUT
        ports = [self.env[name] for name in ("HUB1_PORT", "HUB2_PORT", "LB_PORT")]
        while not all(health(f"http://127.0.0.1:{port}") for port in ports):
            if time.monotonic() > deadline:
                pytest.fail(f"the grid did not become healthy:\n{self.compose('logs')[-6000:]}")
            time.sleep(1)

    def request(self, method: str, path: str, body: Any = None,
                token: str = "") -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                payload = answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            payload, status = error.read(), error.code
        try:
            return status, json.loads(payload or b"null")
        except ValueError:
            return status, payload


def health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/health", timeout=3) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def compose_tags(docker_client: docker.DockerClient) -> dict[str, str]:
    """The images compose.yaml needs, for this checkout (each built once, skipped if current):
    the hub image starts the chrome image of the same checkout."""
    return {name: images.build_image(name, client=docker_client, log=print, pull=False)
            for name in ("hub", "postgres", "lb", "chrome")}


@pytest.fixture
def grid(compose_tags: dict[str, str], tmp_path: Path) -> Iterator[Grid]:
    if COMPOSE is None:
        pytest.fail("docker-compose is not installed (scripts/setup.sh --test installs it)")
    grid = Grid(tmp_path, {
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": secrets.token_urlsafe(18),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DOCKER_GID": str(os.stat("/var/run/docker.sock").st_gid),
        "LB_PORT": str(free_port()),
        "HUB1_PORT": str(free_port()),
        "HUB2_PORT": str(free_port()),
        "POSTGRES_PORT": str(free_port()),
        "HUB_IMAGE": compose_tags["hub"],
        "POSTGRES_IMAGE": compose_tags["postgres"],
        "LB_IMAGE": compose_tags["lb"],
        "LB_BALANCE": LB_BALANCE,
    })
    try:
        yield grid
    finally:
        grid.compose("down", "--volumes", "--remove-orphans")


def run_examples(grid: Grid, token: str, where: Path) -> subprocess.CompletedProcess[str]:
    checkout = scratch_checkout(where)
    return subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "pytest", "-p", "no:cacheprovider",
         "examples/pytest_suite", "--tggrid", "--tggrid-url", grid.url,
         "--tggrid-token", token, "-q"],
        cwd=checkout, capture_output=True, text=True, timeout=600, check=False)


def videos(grid: Grid, token: str) -> dict[str, str]:
    """sha256 of every finished video, by session id, downloaded through the balancer."""
    status, listed = grid.request("GET", "/api/recordings", token=token)
    assert status == 200, listed
    found = {}
    for recording in listed["recordings"]:
        if recording["status"] != "ready":
            continue
        session = recording["sessionId"]
        status, body = grid.request("GET", f"/api/sessions/{session}/video", token=token)
        assert status == 200 and isinstance(body, bytes), (status, body)
        found[session] = hashlib.sha256(body).hexdigest()
    return found


@pytest.mark.timeout(900)  # two starts of the whole grid and the example suite
def test_compose_up_runs_the_examples_and_keeps_everything_across_down_and_up(
        grid: Grid, tmp_path: Path) -> None:
    grid.up()
    status, signed_in = grid.request("POST", "/api/auth/login",
                                     {"email": ADMIN, "password": grid.env["ADMIN_PASSWORD"]})
    assert status == 200, signed_in
    status, created = grid.request("POST", "/api/tokens", {"name": "compose test"},
                                   token=signed_in["token"])
    assert status == 201, created
    token = created["token"]
    status, hubs = grid.request("GET", "/api/hubs", token=token)
    assert status == 200 and len([h for h in hubs["items"] if h["alive"]]) == 2, hubs

    run = run_examples(grid, token, tmp_path / "first")
    assert run.returncode == 1 and "1 failed, 2 passed" in run.stdout, (
        run.stdout[-4000:] + run.stderr[-2000:] + grid.compose("logs", "--tail", "150")[-8000:])
    kept = (tmp_path / "first" / "tggrid-results"
            / "examples-pytest_suite-test_example.py-test_checkout_total")
    assert (kept / "screenshot.png").is_file(), run.stdout[-3000:]
    assert (kept / "video.mp4").stat().st_size > 1000, run.stdout[-3000:]
    done = subprocess.run([sys.executable, str(ROOT / "examples/selenium_example.py"),
                           grid.url], cwd=tmp_path, env={**os.environ, "TGGRID_TOKEN": token},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and "heading: Hello from the grid" in done.stdout, done.stderr
    before_videos = videos(grid, token)
    assert before_videos
    status, audit = grid.request("GET", "/api/audit-logs?limit=500", token=token)
    assert status == 200
    before_audit = {entry["id"] for entry in audit["items"]}
    assert {"auth.register", "auth.token.create"} <= {e["action"] for e in audit["items"]}

    grid.compose("down")
    assert not health(grid.url)
    grid.up()

    status, me = grid.request("GET", "/api/auth/me", token=token)  # the same token still works
    assert (status, me["user"]["email"], me["user"]["role"]) == (200, ADMIN, "admin")
    status, audit = grid.request("GET", "/api/audit-logs?limit=500", token=token)
    assert before_audit <= {entry["id"] for entry in audit["items"]}
    assert [e["action"] for e in audit["items"]].count("auth.register") == 1
    assert videos(grid, token) == before_videos
