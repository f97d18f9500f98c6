"""A signed-in user cannot run programs on the hub's host, read others' requests, or take
over an account with a token alone; the pool stays within the nodes' capacity."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest

from hub.nodes.browsers import detect_chrome
from tests.integration.accounts import PASSWORD, admin_token, bearer, cli, login, new_email
from tests.support.fixtures import HubFactory

CMD_PREFIX = "--renderer-cmd-prefix=/bin/sh -c 'id > {marker}' --"


def refused_capabilities(marker: Path) -> list[tuple[str, dict]]:
    return [
        ("goog:chromeOptions.args", {"goog:chromeOptions": {
            "args": [CMD_PREFIX.format(marker=marker)]}}),
        ("goog:chromeOptions.args", {"goog:chromeOptions": {"args": ["--gpu-launcher=/bin/id"]}}),
        ("goog:chromeOptions.args", {"goog:chromeOptions": {"args": ["--user-data-dir=/root"]}}),
        ("goog:chromeOptions.binary", {"goog:chromeOptions": {"binary": "/bin/sh"}}),
        ("goog:chromeOptions.debuggerAddress", {"goog:chromeOptions": {
            "debuggerAddress": "127.0.0.1:9222"}}),
        ("tggrid:options.env", {"tggrid:options": {"env": {"PATH": str(marker.parent)}}}),
        ("selenoid:options.env", {"selenoid:options": {"env": ["LD_PRELOAD=/tmp/x.so"]}}),
    ]


def test_a_user_cannot_run_programs_through_capabilities(hub_factory: HubFactory,
                                                         tmp_path: Path) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "1", "--browsers", "chrome")
    email = new_email()
    cli(hub, "user", "create", email, "--password", PASSWORD)
    token = login(hub, email)
    marker = tmp_path / "pwned"
    for name, caps in refused_capabilities(marker):
        status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", **caps}}}, headers=bearer(token))
        assert (status, body["value"]["error"]) == (400, "invalid argument"), body
        assert repr(name) in body["value"]["message"]
        status, body = hub.request("POST", "/api/sessions/create",
                                   {"browserType": "chrome", "capabilities": caps},
                                   headers=bearer(token))
        assert (status, body["error"]) == (400, "invalid_argument"), body
    assert not marker.exists()
    # the node's own binary, and a profile inside the session's directory, are fine
    chrome = detect_chrome()
    assert chrome is not None
    status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "goog:chromeOptions": {
            "binary": chrome.browser_binary, "args": ["--user-data-dir=own-profile"]}}}},
        headers=bearer(token))
    assert status == 200, body
    hub.request("DELETE", f"/session/{body['value']['sessionId']}", headers=bearer(token))


def test_admins_may_allow_more(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "chrome", "--allow-session-env",
                      "--allowed-browser-args=--disk-cache-dir")
    status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "tggrid:options": {"env": {"TGGRID_TEST": "1"}},
        "goog:chromeOptions": {"args": [f"--disk-cache-dir=/tmp/tggrid-cache-{uuid.uuid4()}"]},
    }}})
    assert status == 200, body
    hub.request("DELETE", f"/session/{body['value']['sessionId']}")


def test_accounts_are_closed_and_strong_by_default(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", env={"TGGRID_ALLOW_REGISTRATION": None})
    status, body = hub.request("POST", "/api/auth/register",
                               {"email": new_email(), "password": PASSWORD})
    assert (status, body["error"]) == (403, "registration_disabled")
    open_hub = hub_factory("--auth", "on", "--allow-registration")
    for weak in ("password", "12345678", "Password1", "x" * 257, "short"):
        status, body = open_hub.request("POST", "/api/auth/register",
                                        {"email": new_email(), "password": weak})
        assert (status, body["error"]) == (400, "weak_password"), weak
    email = new_email()
    status, _ = open_hub.request("POST", "/api/auth/register",
                                 {"email": email, "password": PASSWORD})
    assert status == 201


def test_a_token_alone_cannot_enrol_2fa_or_mint_tokens(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", "--reauth-window", "2")
    email = new_email()
    cli(hub, "user", "create", email, "--password", PASSWORD)
    api_token = cli(hub, "token", "create", email).strip()
    for path, body in (("/api/tokens", {"name": "stolen"}), ("/api/auth/2fa/enable", None)):
        status, answer = hub.request("POST", path, body, headers=bearer(api_token))
        assert (status, answer["error"]) == (403, "reauthentication_required"), answer
        status, answer = hub.request("POST", path, {**(body or {}), "password": "wrong pass"},
                                     headers=bearer(api_token))
        assert status == 401, answer
    status, answer = hub.request("POST", "/api/tokens", {"name": "ci", "password": PASSWORD},
                                 headers=bearer(api_token))
    assert status == 201, answer
    fresh = login(hub, email)  # the promised flow: sign in, then enable
    status, answer = hub.request("POST", "/api/auth/2fa/enable", headers=bearer(fresh))
    assert status == 200 and len(answer["backupCodes"]) == 10
    time.sleep(2.5)
    status, answer = hub.request("POST", "/api/tokens", {"name": "late"}, headers=bearer(fresh))
    assert (status, answer["error"]) == (403, "reauthentication_required")


def test_users_see_and_cancel_only_their_own_queued_requests(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "1", "--browsers", "chrome",
                      "--session-request-timeout", "60")
    tokens = {}
    for name in ("alice", "bob"):
        email = new_email(name)
        cli(hub, "user", "create", email, "--password", PASSWORD)
        tokens[name] = cli(hub, "token", "create", email).strip()
    _, root = admin_token(hub)
    secret_caps = {"browserName": "chrome", "tggrid:options": {"name": "alice-secret"}}
    status, first = hub.request("POST", "/api/sessions/create", {"browserType": "chrome"},
                                headers=bearer(tokens["alice"]))
    assert status == 201, first
    answers: list[tuple[int, object]] = []
    waiting = threading.Thread(target=lambda: answers.append(hub.request(
        "POST", "/session", {"capabilities": {"alwaysMatch": secret_caps}},
        headers=bearer(tokens["alice"]))))
    waiting.start()
    try:
        deadline = time.monotonic() + 30
        while not hub.request("GET", "/se/grid/newsessionqueue/queue",
                              headers=bearer(root))[1]["value"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        bob = bearer(tokens["bob"])
        listed = hub.request("GET", "/se/grid/newsessionqueue/queue", headers=bob)[1]
        assert listed["value"] == []
        _, grid = hub.request("GET", "/status", headers=bob)
        shown = [s["session"] for n in grid["value"]["nodes"] for s in n["slots"]
                 if s["session"]]
        assert shown and all(s["sessionId"] is None and "capabilities" not in s for s in shown)
        status, graph = hub.request("POST", "/graphql", {"query": "{ sessionsInfo { "
                                    "sessionQueueRequests sessions { id } } grid { "
                                    "sessionCount sessionQueueSize } }"}, headers=bob)
        assert graph["data"]["sessionsInfo"] == {"sessionQueueRequests": [], "sessions": []}
        assert graph["data"]["grid"] == {"sessionCount": 1, "sessionQueueSize": 1}
        status, cleared = hub.request("DELETE", "/se/grid/newsessionqueue/queue", headers=bob)
        assert cleared["value"]["value"] == 0
        mine = hub.request("GET", "/se/grid/newsessionqueue/queue",
                           headers=bearer(tokens["alice"]))[1]["value"]
        assert [r["capabilities"][0]["tggrid:options"]["name"] for r in mine] == ["alice-secret"]
    finally:
        hub.request("DELETE", "/se/grid/newsessionqueue/queue", headers=bearer(root))
        waiting.join(60)
        hub.request("DELETE", f"/api/sessions/{first['sessionId']}", headers=bearer(root))
    assert answers and answers[0][0] == 500


@pytest.mark.parametrize("auth", [(), ("--auth", "on")], ids=["auth-off", "auth-on"])
def test_the_pool_never_exceeds_the_nodes_capacity(hub_factory: HubFactory,
                                                   auth: tuple[str, ...]) -> None:
    hub = hub_factory("--browsers", "chrome", "--max-sessions", "1", *auth)
    headers = bearer(admin_token(hub)[1]) if auth else {}
    status, body = hub.request("POST", "/api/config/auto-scaling",
                               {"enabled": False, "minPoolSize": 10000,  # the API's most
                                "maxPoolSize": 10000}, headers=headers)
    assert status == 200, body
    deadline = time.monotonic() + 60
    while hub.request("GET", "/api/config/auto-scaling", headers=headers)[1]["pool"]["size"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    time.sleep(3)
    assert hub.request("GET", "/api/config/auto-scaling", headers=headers)[1]["pool"]["size"] == 1
    chromes = [p for p in hub.descendants() if "chromedriver" in (p.info["name"] or "")]
    assert len(chromes) == 1
