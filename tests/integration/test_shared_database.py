"""Two hubs on one PostgreSQL database: one account, one history, one audit log."""

from __future__ import annotations

import signal
import time

import pyotp
import pytest

from tests.integration.accounts import (
    PASSWORD,
    audit,
    bearer,
    cli,
    login,
    new_email,
    register,
)
from tests.integration.test_sessions_api import create, session_audit, wait_for_row
from tests.support.fixtures import HubFactory
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres


def test_two_hubs_share_accounts_sessions_and_audit(hub_factory: HubFactory,
                                                    postgres_url: str) -> None:  # noqa: F811
    secret = {"TGGRID_SECRET_KEY": "shared by both hubs"}
    flags = ("--auth", "on", "--max-sessions", "1", "--database-url", postgres_url)
    first = hub_factory(*flags, env=secret, name="first")
    second = hub_factory(*flags, env=secret, name="second")
    email = new_email()
    register(first, email)
    token = login(second, email)
    assert first.request("GET", "/api/hubs")[0] == 401
    assert first.request("GET", "/api/hubs", headers=bearer(token))[0] == 403, "admins only"
    on_shared = {"TGGRID_DATABASE_URL": postgres_url}
    admin_email = new_email("admin")
    cli(first, "user", "create", admin_email, "--admin", "--password", PASSWORD, env=on_shared)
    admin = cli(first, "token", "create", admin_email, "--name", "tests", env=on_shared).strip()
    status, listed = second.request("GET", "/api/hubs", headers=bearer(admin))
    assert status == 200, listed
    assert len(listed["items"]) == 2 and all(hub["alive"] for hub in listed["items"])
    assert listed["self"] in {hub["id"] for hub in listed["items"]}
    status, created = first.request("POST", "/api/sessions/create", {"browserType": "chrome"},
                                    headers=bearer(token))
    assert status == 201, created
    session_id = created["sessionId"]
    # the other hub reads the row the first one writes off the hot path
    wait_for_row(second, session_id, "running", headers=bearer(token))
    assert second.request("DELETE", f"/api/sessions/{session_id}", headers=bearer(token)
                          )[0] == 204, "it runs on the first hub, which the second asks"
    wait_for_row(first, session_id, "closed", headers=bearer(token))
    status, enrolment = first.request("POST", "/api/auth/2fa/enable", headers=bearer(token))
    assert status == 200
    code = pyotp.TOTP(enrolment["secret"]).now()
    assert second.request("POST", "/api/auth/2fa/verify", {"code": code},
                          headers=bearer(token))[0] == 200, "the secret key is shared"
    status, body = first.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": code})
    assert (status, body["error"]) == (401, "invalid_two_factor_code"), "replayed elsewhere"
    expected = {"auth.register", "auth.login", "session.create", "session.delete",
                "auth.2fa.enable", "auth.2fa.verify", "auth.login.failed"}
    deadline = time.monotonic() + 30  # each hub writes its own entries a moment later
    while not expected <= {e["action"] for e in audit(second, token)}:
        assert time.monotonic() < deadline, audit(second, token)
        time.sleep(0.2)


def test_a_killed_hubs_sessions_are_failed_by_the_hub_that_survives(
    hub_factory: HubFactory, postgres_url: str,  # noqa: F811
) -> None:
    flags = ("--browsers", "chrome", "--max-sessions", "1", "--database-url", postgres_url,
             "--hub-heartbeat-interval", "1", "--hub-dead-after", "3")
    crashed, survivor = hub_factory(*flags, name="crashed"), hub_factory(*flags, name="survivor")
    crashed_id = crashed.request("GET", "/api/hubs")[1]["self"]
    left = create(crashed)["sessionId"]
    own = create(survivor)["sessionId"]
    wait_for_row(survivor, left, "running")  # written by the crashed hub before it dies

    crashed.stop(signal.SIGKILL)

    row = wait_for_row(survivor, left, "failed")
    assert row["endReason"] == f"hub {crashed_id} stopped while the session ran"
    assert row["failed"] and row["endedAt"]
    assert "session.failed" in session_audit(survivor, left)
    assert survivor.request("GET", f"/api/sessions/{own}")[1]["state"] == "running"
    assert survivor.request("POST", f"/wd/hub/session/{own}/url",
                            {"url": "data:text/html,<title>still here</title>"})[0] == 200
    hubs = {h["id"]: h for h in survivor.request("GET", "/api/hubs")[1]["items"]}
    assert hubs[crashed_id]["alive"] is False

    survivor_id = survivor.request("GET", "/api/hubs")[1]["self"]
    assert survivor.stop() == 0
    later = hub_factory(*flags, name="later")
    hubs = {h["id"]: h for h in later.request("GET", "/api/hubs")[1]["items"]}
    assert hubs[survivor_id]["stoppedAt"] and hubs[survivor_id]["alive"] is False
    assert hubs[later.request("GET", "/api/hubs")[1]["self"]]["alive"] is True
    ended = later.request("GET", f"/api/sessions/{own}")[1]
    assert (ended["state"], ended["failed"]) == ("closed", False), "ended by its own hub"
