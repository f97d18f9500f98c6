"""The first admin from TGGRID_ADMIN_EMAIL / TGGRID_ADMIN_PASSWORD, as Compose and the systemd
unit start a hub: created once, left alone on every later start, the password never logged
and never handed on to what the hub starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.auth.bootstrap import take_password
from tests.integration.accounts import audit, bearer, login
from tests.support.hubs import RunningHub

EMAIL = "Admin@Example.org"
PASSWORD = "first admin from the env 7"


def start(data: Path, env: dict[str, str | None]) -> RunningHub:
    return RunningHub(data, ["--auth", "on", "--browsers", "chrome"],
                      {"TGGRID_ALLOW_REGISTRATION": None, **env})


def test_the_first_admin_comes_from_the_environment_once(tmp_path: Path) -> None:
    hub = start(tmp_path, {"TGGRID_ADMIN_EMAIL": EMAIL, "TGGRID_ADMIN_PASSWORD": PASSWORD})
    try:
        token = login(hub, "admin@example.org", PASSWORD)
        status, me = hub.request("GET", "/api/auth/me", headers=bearer(token))
        assert (status, me["user"]["role"]) == (200, "admin")
        created = [e for e in audit(hub, token) if e["action"] == "auth.register"]
        assert [e["ipAddress"] for e in created] == ["env"]
    finally:
        hub.stop()
    # A restart with another password (and a second hub on the same database) changes nothing.
    secret_file = tmp_path / "admin-password"
    secret_file.write_text("a different password 8\n")
    hub = start(tmp_path, {"TGGRID_ADMIN_EMAIL": EMAIL, "TGGRID_ADMIN_PASSWORD_FILE":
                           str(secret_file)})
    try:
        token = login(hub, EMAIL, PASSWORD)
        status, body = hub.request("POST", "/api/auth/login",
                                   {"email": EMAIL, "password": "a different password 8"})
        assert status == 401, body
        assert [e["action"] for e in audit(hub, token)].count("auth.register") == 1
        assert PASSWORD not in hub.log()
    finally:
        hub.stop()


def test_a_weak_password_stops_the_hub_with_a_reason(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "hub", "hub", "--auth", "on", "--port", "0",
               "--data-dir", str(tmp_path), "--admin-email", "root@example.org"]
    weak = subprocess.run(command, env={"TGGRID_ADMIN_PASSWORD": "password123",
                                        "PATH": "/usr/bin"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert weak.returncode == 2
    assert "TGGRID_ADMIN_PASSWORD" in weak.stderr and "common" in weak.stderr
    assert "password123" not in weak.stderr + weak.stdout


@pytest.mark.parametrize("env", [{"TGGRID_ADMIN_PASSWORD": "x" * 12},
                                 {"TGGRID_ADMIN_PASSWORD": "x" * 12,
                                  "TGGRID_ADMIN_PASSWORD_FILE": "/nonexistent"}])
def test_the_password_leaves_the_environment(env: dict[str, str]) -> None:
    """Drivers and browsers inherit the hub's environment: the password must not be in it."""
    assert take_password(env) == "x" * 12 and env == {}
