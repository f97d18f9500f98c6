"""Signing in to a hub with auth on, as a user would: over HTTP and with a real Chromium."""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.client_config import ClientConfig

from tests.integration.accounts import (
    PASSWORD,
    audit,
    basic,
    bearer,
    login,
    new_email,
    register,
    signed_up,
)
from tests.support.hubs import RunningHub


@pytest.fixture(scope="module")
def auth_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    hub = RunningHub(tmp_path_factory.mktemp("auth-hub"),
                     ["--auth", "on", "--max-sessions", "2"], {})
    yield hub
    hub.stop()


def remote(hub: RunningHub, email: str, token: str, name: str = "") -> webdriver.Remote:
    options = webdriver.ChromeOptions()
    if name:
        options.set_capability("tggrid:options", {"name": name})
    config = ClientConfig(remote_server_addr=hub.url + "/wd/hub", username=email, password=token)
    return webdriver.Remote(command_executor=hub.url + "/wd/hub", options=options,
                            client_config=config)


def test_register_login_me_logout(auth_hub: RunningHub) -> None:
    email = new_email()
    user = register(auth_hub, email)
    assert user["email"] == email and user["role"] == "user" and not user["twoFactorEnabled"]
    status, body = auth_hub.request("POST", "/api/auth/register",
                                    {"email": email.upper(), "password": PASSWORD})
    assert (status, body["error"]) == (409, "email_taken")
    status, body = auth_hub.request("POST", "/api/auth/register",
                                    {"email": new_email(), "password": "short"})
    assert (status, body["error"]) == (400, "weak_password")
    token = login(auth_hub, email)
    status, body = auth_hub.request("GET", "/api/auth/me", headers=bearer(token))
    assert (status, body["user"]["email"]) == (200, email)
    status, body = auth_hub.request("POST", "/api/auth/login",
                                    {"email": email, "password": "wrong password"})
    assert (status, body["error"]) == (401, "invalid_credentials")
    assert auth_hub.request("POST", "/api/auth/logout", headers=bearer(token))[0] == 200
    status, body = auth_hub.request("GET", "/api/auth/me", headers=bearer(token))
    assert (status, body["error"]) == (401, "unauthorized")
    actions = [e["action"] for e in audit(auth_hub, login(auth_hub, email))]
    assert actions == ["auth.login", "auth.logout", "auth.login.failed", "auth.login",
                       "auth.register"]  # newest first


def test_api_token_drives_a_real_chromium_through_the_webdriver_surface(
        auth_hub: RunningHub) -> None:
    email, login_token = signed_up(auth_hub, "selenium")
    status, created = auth_hub.request("POST", "/api/tokens", {"name": "ci"},
                                       headers=bearer(login_token))
    assert status == 201 and created["token"].startswith("tgg_")
    status, listed = auth_hub.request("GET", "/api/tokens", headers=bearer(login_token))
    assert [t["name"] for t in listed["items"]] == ["ci"] and "token" not in listed["items"][0]

    driver = remote(auth_hub, email, created["token"], name="token test")
    try:
        driver.get("data:text/html,<title>signed in</title>")
        assert driver.title == "signed in"
        session_id = driver.session_id
    finally:
        driver.quit()

    status, row = auth_hub.request("GET", f"/api/sessions/{session_id}",
                                   headers=bearer(created["token"]))
    assert status == 200, row
    assert (row["name"], row["state"], row["browserName"]) == ("token test", "closed", "chrome")
    assert row["endedAt"] is not None and row["endReason"] == "the client quit"
    entries = audit(auth_hub, login_token, resourceType="session")
    assert [(e["action"], e["resourceId"]) for e in entries] == [
        ("session.delete", session_id), ("session.create", session_id)]
    # the WebDriver client's own address and user agent, on the start and on the quit
    assert {(e["ipAddress"], e["userAgent"].split("/")[0]) for e in entries} == {
        ("127.0.0.1", "selenium")}

    assert auth_hub.request("DELETE", f"/api/tokens/{created['id']}",
                            headers=bearer(login_token))[0] == 204
    with pytest.raises(WebDriverException, match="Authorization Required"):
        remote(auth_hub, email, created["token"])
    assert audit(auth_hub, login_token, action="auth.token.revoke")


def test_anonymous_and_bad_webdriver_calls_get_a_w3c_401(auth_hub: RunningHub) -> None:
    email, token = signed_up(auth_hub, "w3c")
    new_session = {"capabilities": {"alwaysMatch": {"browserName": "chrome"}}}
    for path in ("/session", "/wd/hub/session"):
        for headers in ({}, bearer("tgg_not-a-token"), basic(new_email(), token),
                        basic(email, "tgg_wrong")):
            status, body = auth_hub.request("POST", path, new_session, headers=headers)
            assert status == 401, (path, headers, body)
            assert body["value"]["error"] == "unauthorized"
            assert body["value"]["message"]
    for path in ("/status", "/wd/hub/session/abc/url", "/se/grid/newsessionqueue/queue"):
        status, body = auth_hub.request("GET", path)
        assert (status, body["value"]["error"]) == (401, "unauthorized")
    status, body = auth_hub.request("GET", "/wd/hub/status", headers=basic(email, token))
    assert status == 200 and "ready" in body["value"]


def test_every_protected_route_needs_a_token(auth_hub: RunningHub) -> None:
    protected = [
        ("GET", "/api/auth/me"), ("POST", "/api/auth/logout"),
        ("POST", "/api/auth/2fa/enable"), ("POST", "/api/auth/2fa/verify"),
        ("POST", "/api/auth/2fa/disable"), ("GET", "/api/tokens"), ("POST", "/api/tokens"),
        ("DELETE", "/api/tokens/1"), ("GET", "/api/audit-logs"), ("GET", "/api/audit-logs/1"),
        ("GET", "/api/sessions"), ("GET", "/api/sessions/abc"),
        ("DELETE", "/api/sessions/abc"), ("PATCH", "/api/sessions/abc"),
        ("POST", "/api/sessions/create"), ("GET", "/api/no-such-route"),
    ]
    for method, path in protected:
        for headers in ({}, bearer("tgg_forged")):
            status, body = auth_hub.request(method, path, {}, headers=headers)
            assert (status, body["error"]) == (401, "unauthorized"), (method, path, body)
    assert auth_hub.request("GET", "/api/health")[0] == 200


def decode_qr(data_uri: str, tmp_path: Path) -> str:
    assert data_uri.startswith("data:image/png;base64,")
    image = tmp_path / "qr.png"
    image.write_bytes(base64.b64decode(data_uri.split(",", 1)[1]))
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True,
                            text=True, check=True, timeout=30)
    return result.stdout.strip()


def test_two_factor_from_enrolment_to_disabling(auth_hub: RunningHub, tmp_path: Path) -> None:
    email, token = signed_up(auth_hub, "totp")
    status, enrolment = auth_hub.request("POST", "/api/auth/2fa/enable", headers=bearer(token))
    assert status == 200, enrolment
    url = decode_qr(enrolment["qrCode"], tmp_path)
    assert url == enrolment["otpauthUrl"] and email.replace("@", "%40") in url
    otp = pyotp.parse_uri(url)
    assert otp.secret == enrolment["secret"]
    backup = enrolment["backupCodes"]
    assert len(set(backup)) == 10

    status, body = auth_hub.request("POST", "/api/auth/2fa/verify", {"code": "000000"},
                                    headers=bearer(token))
    assert (status, body["error"]) == (400, "invalid_two_factor_code")
    status, body = auth_hub.request("POST", "/api/auth/2fa/verify", {"code": otp.now()},
                                    headers=bearer(token))
    assert status == 200 and body["user"]["twoFactorEnabled"], body

    status, body = auth_hub.request("POST", "/api/auth/login",
                                    {"email": email, "password": PASSWORD})
    assert (status, body["error"]) == (403, "two_factor_required")
    status, body = auth_hub.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": "123456"})
    assert (status, body["error"]) == (401, "invalid_two_factor_code")
    failed = audit(auth_hub, token, action="auth.login.failed")
    assert failed[0]["details"]["reason"] == "bad_two_factor_code"
    assert failed[0]["ipAddress"] == "127.0.0.1"

    # the next step's code: valid (one step of drift) and newer than the one used to verify
    code = otp.at(time.time() + 30)
    login(auth_hub, email, twoFactorCode=code)
    status, body = auth_hub.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": code})
    assert (status, body["error"]) == (401, "invalid_two_factor_code"), "a replayed code"

    login(auth_hub, email, twoFactorCode=backup[0])
    status, body = auth_hub.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": backup[0]})
    assert (status, body["error"]) == (401, "invalid_two_factor_code"), "a used backup code"

    status, body = auth_hub.request("POST", "/api/auth/2fa/disable",
                                    {"password": "wrong password", "code": backup[1]},
                                    headers=bearer(token))
    assert status == 401
    status, body = auth_hub.request("POST", "/api/auth/2fa/disable",
                                    {"password": PASSWORD, "code": backup[1]},
                                    headers=bearer(token))
    assert status == 200 and not body["user"]["twoFactorEnabled"], body
    login(auth_hub, email)
    actions = {e["action"] for e in audit(auth_hub, token)}
    assert {"auth.2fa.enable", "auth.2fa.verify", "auth.2fa.disable"} <= actions
