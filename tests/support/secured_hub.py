"""One real hub for the contract tests (fuzzing, the promised calls): auth on and no browsers,
so they run in the fast subset; an admin and a plain user to act as and on. A request
that could wait in the queue gives up after 10 s, not the default 300."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.accounts import admin_token, bearer, signed_up
from tests.support.fixtures import assert_no_leftovers
from tests.support.hubs import RunningHub


@dataclasses.dataclass
class SecuredHub:
    hub: RunningHub
    admin: dict[str, str]
    user_id: int
    user: dict[str, str]
    admin_email: str


@pytest.fixture(scope="session")
def secured_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredHub]:
    hub = RunningHub(Path(tmp_path_factory.mktemp("secured-hub")),
                     ["--browsers", "none", "--auth", "on",
                      "--session-request-timeout", "10"], {})
    try:
        email, token = admin_token(hub)
        _, user_token = signed_up(hub, "victim")
        status, me = hub.request("GET", "/api/auth/me", headers=bearer(user_token))
        assert status == 200, me
        yield SecuredHub(hub, bearer(token), me["user"]["id"], bearer(user_token), email)
    finally:
        hub.stop()
    assert_no_leftovers(hub)
