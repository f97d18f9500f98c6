"""Two hubs on one PostgreSQL database: one account, one history, one audit log."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.integration.accounts import PASSWORD, audit, bearer, login, new_email, register
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
    status, created = first.request("POST", "/api/sessions/create", {"browserType": "chrome"},
                                    headers=bearer(token))
    assert status == 201, created
    session_id = created["sessionId"]
    status, row = second.request("GET", f"/api/sessions/{session_id}", headers=bearer(token))
    assert (status, row["state"]) == (200, "running")
    status, body = second.request("DELETE", f"/api/sessions/{session_id}",
                                  headers=bearer(token))
    assert (status, body["error"]) == (409, "not_running"), "it runs on the first hub"
    assert first.request("DELETE", f"/api/sessions/{session_id}", headers=bearer(token)
                         )[0] == 204
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
