"""``tggrid status`` against a hub with auth on: the token comes from --token or
TGGRID_TOKEN and is sent as Bearer."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.accounts import admin_token, signed_up
from tests.support.fixtures import HubFactory


def status(*args: str, token_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "TGGRID_TOKEN"}
    if token_env is not None:
        env["TGGRID_TOKEN"] = token_env
    return subprocess.run([sys.executable, "-m", "hub", "status", *args], capture_output=True,
                          text=True, timeout=120, check=False, env=env)


def test_status_sends_the_token_from_the_flag_or_the_environment(
        hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on")
    _, token = admin_token(hub)
    _, user_token = signed_up(hub)

    anonymous = status("--url", hub.url)
    assert anonymous.returncode == 2
    assert "401" in anonymous.stderr and "--token or set TGGRID_TOKEN" in anonymous.stderr

    wrong = status("--url", hub.url, "--token", "tgg_not_a_token")
    assert wrong.returncode == 2 and "401" in wrong.stderr

    for result in (status("--url", hub.url, "--token", token),
                   status("--url", hub.url, token_env=user_token),
                   status("--url", hub.url, "--token", token, token_env="tgg_stale")):
        assert result.returncode == 0, result.stderr
        assert "local" in result.stdout and "sessions:" in result.stdout
