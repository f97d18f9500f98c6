"""A real hub for the fuzzers: auth on, no browsers (so these run in the fast subset), an
admin and a plain user to act as and on."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.accounts import admin_token, bearer, signed_up
from tests.support.fixtures import assert_no_leftovers
from tests.support.hubs import RunningHub


@dataclasses.dataclass
class FuzzHub:
    hub: RunningHub
    admin: dict[str, str]
    user_id: int
    user: dict[str, str]


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzHub]:
    hub = RunningHub(Path(tmp_path_factory.mktemp("fuzz-hub")),
                     ["--browsers", "none", "--auth", "on"], {})
    try:
        _, token = admin_token(hub)
        _, user_token = signed_up(hub, "victim")
        status, me = hub.request("GET", "/api/auth/me", headers=bearer(user_token))
        assert status == 200, me
        yield FuzzHub(hub, bearer(token), me["user"]["id"], bearer(user_token))
    finally:
        hub.stop()
    assert_no_leftovers(hub)
