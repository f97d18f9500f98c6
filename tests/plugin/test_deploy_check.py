"""scripts/deploy-check.sh, the deploy templates' health check and rollback, run for real: its
deploy command switches the tag a local HTTP server is "running", and that server's
/api/health answers 200 or 503 by tag, as a hub that starts or fails to would."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "deploy-check.sh"
DEPLOY = 'printf "%s\\n" "$TAG" >> "$DEPLOYED"'  # what the CI's ssh/kubectl command does


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, set[str]]]:
    """A server healthy while the last deployed tag is one of `healthy_tags`."""
    deployed = tmp_path / "deployed"
    deployed.write_text("")
    healthy_tags: set[str] = set()

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            tags = deployed.read_text().splitlines()
            ok = self.path == "/api/health" and bool(tags) and tags[-1] in healthy_tags
            self.send_response(200 if ok else 503)
            self.end_headers()
            self.wfile.write(b'{"status": "healthy"}' if ok else b'{"status": "unhealthy"}')

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", deployed, healthy_tags
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def run(url: str, deployed: Path, new: str, previous: str,
        command: str = DEPLOY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEPLOYED": str(deployed), "HEALTH_ATTEMPTS": "3",
           "HEALTH_INTERVAL": "0.1"}
    return subprocess.run(["bash", str(SCRIPT), url, new, previous, command], env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_healthy_deploy_stays(server: tuple[str, Path, set[str]]) -> None:
    url, deployed, healthy = server
    healthy.update({"v1", "v2"})
    done = run(url, deployed, "v2", "v1")
    assert done.returncode == 0, done.stderr
    assert deployed.read_text().splitlines() == ["v2"]


def test_a_failing_health_check_rolls_back_to_the_previous_tag(
    server: tuple[str, Path, set[str]],
) -> None:
    url, deployed, healthy = server
    healthy.add("v1")
    done = run(url, deployed, "v2", "v1")
    assert done.returncode == 1, done.stderr
    assert deployed.read_text().splitlines() == ["v2", "v1"]
    assert "health.failed" in done.stderr and "rollback.done tag=v1" in done.stderr


def test_an_unhealthy_rollback_fails_the_job(server: tuple[str, Path, set[str]]) -> None:
    url, deployed, _ = server
    done = run(url, deployed, "v2", "v1")
    assert done.returncode == 2, done.stderr
    assert deployed.read_text().splitlines() == ["v2", "v1"]


def test_no_previous_tag_means_no_rollback(server: tuple[str, Path, set[str]]) -> None:
    url, deployed, _ = server
    done = run(url, deployed, "v1", "")
    assert done.returncode == 2 and "rollback.impossible" in done.stderr
    assert deployed.read_text().splitlines() == ["v1"]


def test_a_failing_deploy_command_rolls_back(server: tuple[str, Path, set[str]]) -> None:
    url, deployed, healthy = server
    healthy.add("v1")
    command = f'{DEPLOY}; test "$TAG" != v2'
    done = run(url, deployed, "v2", "v1", command)
    assert done.returncode == 1, done.stderr
    assert "deploy.failed tag=v2" in done.stderr


def test_the_tag_is_data_not_code(server: tuple[str, Path, set[str]], tmp_path: Path) -> None:
    url, deployed, healthy = server
    hostile = "v2; touch pwned"
    healthy.add(hostile)
    done = run(url, deployed, hostile, "v1")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_bad_arguments() -> None:
    done = subprocess.run(["bash", str(SCRIPT), "http://127.0.0.1:1"], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 64 and "usage" in done.stderr
