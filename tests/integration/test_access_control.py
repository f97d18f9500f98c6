"""Who sees what on a shared hub, and the defences: lockout, proxies, refusing to be exposed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.remote.client_config import ClientConfig

from tests.integration.accounts import (
    PASSWORD,
    admin_token,
    audit,
    basic,
    bearer,
    cli,
    login,
    new_email,
    signed_up,
)
from tests.support.fixtures import HubFactory
from tests.support.hubs import free_port


def test_users_see_only_their_own_sessions_and_audit_entries(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "2")
    alice, alice_token = signed_up(hub, "alice")
    _, bob_token = signed_up(hub, "bob")
    _, root_token = admin_token(hub)

    status, created = hub.request("POST", "/api/sessions/create",
                                  {"browserType": "chrome", "name": "alice's"},
                                  headers=bearer(alice_token))
    assert status == 201, created
    session_id = created["sessionId"]
    try:
        path = f"/api/sessions/{session_id}"
        for method, body in (("GET", None), ("DELETE", None), ("PATCH", {"name": "mine"})):
            status, answer = hub.request(method, path, body, headers=bearer(bob_token))
            assert (status, answer["error"]) == (404, "not_found"), (method, answer)
        status, listed = hub.request("GET", "/api/sessions", headers=bearer(bob_token))
        assert listed["items"] == []
        # nor can Bob drive it on the WebDriver surface
        status, answer = hub.request("GET", f"/wd/hub/session/{session_id}/url",
                                     headers=basic(new_email(), bob_token))
        assert status == 401
        bob_email = hub.request("GET", "/api/auth/me", headers=bearer(bob_token))[1]["user"][
            "email"]
        status, answer = hub.request("GET", f"/wd/hub/session/{session_id}/url",
                                     headers=basic(bob_email, bob_token))
        assert (status, answer["value"]["error"]) == (404, "invalid session id")
        status, answer = hub.request("GET", f"/wd/hub/session/{session_id}/url",
                                     headers=basic(alice, alice_token))
        assert status == 200, answer

        alice_id = hub.request("GET", "/api/auth/me", headers=bearer(alice_token))[1]["user"]["id"]
        alice_entries = audit(hub, alice_token)
        assert alice_entries and all(e["userId"] == alice_id for e in alice_entries)
        assert audit(hub, bob_token, userId=str(alice_id)) == []
        status, answer = hub.request("GET", f"/api/audit-logs/{alice_entries[0]['id']}",
                                     headers=bearer(bob_token))
        assert status == 404
        assert hub.request("GET", f"/api/audit-logs/{alice_entries[0]['id']}",
                           headers=bearer(alice_token))[0] == 200

        # an admin sees and acts on everything
        status, row = hub.request("GET", path, headers=bearer(root_token))
        assert (status, row["ownerId"], row["name"]) == (200, alice_id, "alice's")
        assert {e["userId"] for e in audit(hub, root_token)} >= {alice_id}
    finally:
        status, _ = hub.request("DELETE", f"/api/sessions/{session_id}",
                                headers=bearer(root_token))
    assert status == 204
    status, row = hub.request("GET", f"/api/sessions/{session_id}", headers=bearer(alice_token))
    assert row["state"] == "closed" and row["endReason"] == "it was ended through the API"


def test_repeated_failures_lock_the_account(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", "--no-allow-registration")
    status, body = hub.request("POST", "/api/auth/register",
                               {"email": new_email(), "password": PASSWORD})
    assert (status, body["error"]) == (403, "registration_disabled")
    email = new_email("victim")
    cli(hub, "user", "create", email, "--password", PASSWORD)
    token = cli(hub, "token", "create", email).strip()
    for _ in range(5):
        status, body = hub.request("POST", "/api/auth/login",
                                   {"email": email, "password": "guess guess"})
        assert (status, body["error"]) == (401, "invalid_credentials")
    status, body = hub.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert (status, body["error"]) == (429, "too_many_attempts"), "even the right password"
    assert "minutes" in body["message"]
    # another account from the same address is not locked by these five
    other = new_email("bystander")
    cli(hub, "user", "create", other, "--password", PASSWORD)
    login(hub, other)
    actions = [e["action"] for e in audit(hub, token)]
    assert actions.count("auth.login.failed") == 6 and actions.count("auth.lockout") == 1
    assert hub.request("GET", "/api/auth/me", headers=bearer(token))[0] == 200, \
        "API tokens keep working: the lock is on signing in"


def test_forwarded_for_counts_only_from_a_trusted_proxy(hub_factory: HubFactory) -> None:
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.10"}
    for flags, expected in (((), "127.0.0.1"),
                            (("--trusted-proxies", "127.0.0.1/32"), "203.0.113.9")):
        hub = hub_factory("--auth", "on", *flags)
        email, _ = signed_up(hub)
        status, body = hub.request("POST", "/api/auth/login",
                                   {"email": email, "password": PASSWORD}, headers=forged)
        assert status == 200
        entries = audit(hub, body["token"], action="auth.login")
        assert entries[0]["ipAddress"] == expected


def test_refuses_to_listen_on_all_addresses_with_auth_off(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub", "hub", "--host", "0.0.0.0", "--port", str(free_port()),
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert "refusing to listen on '0.0.0.0' with auth off" in result.stderr
    assert "--insecure-no-auth" in result.stderr


def test_auth_off_hub_still_records_the_owner_of_a_signed_in_session(
        hub_factory: HubFactory) -> None:
    hub = hub_factory()
    email = new_email()
    cli(hub, "user", "create", email, "--password", PASSWORD)
    token = cli(hub, "token", "create", email).strip()
    options = webdriver.ChromeOptions()
    config = ClientConfig(remote_server_addr=hub.url, username=email, password=token)
    driver = webdriver.Remote(command_executor=hub.url, options=options, client_config=config)
    session_id = driver.session_id
    driver.quit()
    status, listed = hub.request("GET", "/api/sessions")  # anonymous on a local hub: all
    row = next(item for item in listed["items"] if item["id"] == session_id)
    me = hub.request("GET", "/api/auth/me", headers=bearer(token))[1]["user"]
    assert row["ownerId"] == me["id"]
    status, body = hub.request("GET", "/api/tokens")
    assert (status, body["error"]) == (401, "unauthorized")
