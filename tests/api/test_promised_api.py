"""Every call and shape of shared/PROMISED-API.md, sent verbatim, against a real hub (auth
on, no browsers; the promised session with its vncUrl is in
tests/integration/test_promised_sessions.py)."""

from __future__ import annotations

import base64
import datetime as dt

import pyotp
import pytest

from tests.integration.accounts import PASSWORD, bearer, new_email
from tests.support.secured_hub import SecuredHub

HEALTHY_WORDS = {"healthy", "degraded", "unhealthy", "not_configured"}


def test_health_has_the_promised_services_and_performance(secured_hub: SecuredHub) -> None:
    status, body = secured_hub.hub.request("GET", "/api/health")
    assert (status, body["status"]) == (200, "healthy")
    services = body["services"]
    assert {"mainApp", "browserPool", "database", "docker"} <= set(services)
    assert (services["mainApp"], services["browserPool"], services["database"]) == (
        "healthy", "healthy", "healthy")
    assert services["docker"] in {"healthy", "not_configured"}  # this hub runs no Docker
    assert set(services.values()) <= HEALTHY_WORDS
    performance = body["performance"]
    assert 0 <= performance["cpuUsage"] <= 100 and 0 < performance["memoryUsage"] <= 100
    assert isinstance(performance["activeConnections"], int)
    assert performance["activeConnections"] >= 1  # this very request
    assert body["details"]["database"]["status"] == "up"  # the richer detail stays beside


def test_accounts_and_two_factor_as_promised(secured_hub: SecuredHub) -> None:
    hub = secured_hub.hub
    email = new_email("promised")
    status, body = hub.request("POST", "/api/auth/register",
                               {"email": email, "password": PASSWORD, "fullName": "Ada"})
    assert status == 201, body
    status, body = hub.request("POST", "/api/auth/login", {"email": email, "password": "wrong"})
    assert status == 401, body
    status, body = hub.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    token = body["token"]

    status, enrolment = hub.request("POST", "/api/auth/2fa/enable", headers=bearer(token))
    assert status == 200, enrolment
    assert enrolment["qrCode"].startswith("data:image/png;base64,")
    base64.b64decode(enrolment["qrCode"].split(",", 1)[1], validate=True)
    assert len(enrolment["backupCodes"]) == 10
    otp = pyotp.TOTP(enrolment["secret"])
    status, body = hub.request("POST", "/api/auth/2fa/verify", {"code": otp.now()},
                               headers=bearer(token))
    assert status == 200 and body["user"]["twoFactorEnabled"], body

    status, body = hub.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert status == 403, body
    status, body = hub.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": enrolment["backupCodes"][0]})
    assert status == 200, body

    status, body = hub.request("POST", "/api/auth/2fa/disable", {"password": PASSWORD},
                               headers=bearer(token))
    assert status == 200 and not body["user"]["twoFactorEnabled"], body

    status, body = hub.request(
        "GET", "/api/audit-logs?userId=&action=&resourceType=&startDate=&endDate=",
        headers=bearer(token))
    assert status == 200, body
    entries = body["items"]
    for entry in entries:
        assert {"userId", "action", "resourceType", "resourceId", "details",
                "ipAddress"} <= set(entry)
    actions = [entry["action"] for entry in entries]
    assert {"auth.register", "auth.login", "auth.login.failed", "user.update"} <= set(actions)
    updates = [e["details"] for e in entries if e["action"] == "user.update"]
    assert {"twoFactorEnabled": True} in updates and {"twoFactorEnabled": False} in updates

    today = dt.date.today().isoformat()
    status, body = hub.request(
        "GET", f"/api/audit-logs?userId={entries[0]['userId']}&action=auth.register"
        f"&resourceType=user&startDate={today}&endDate=2999-01-01", headers=bearer(token))
    assert status == 200 and [e["action"] for e in body["items"]] == ["auth.register"], body


def test_load_balancing_as_promised(secured_hub: SecuredHub) -> None:
    hub, admin = secured_hub.hub, secured_hub.admin
    status, stats = hub.request("GET", "/api/loadbalancer/stats", headers=admin)
    assert status == 200 and stats["algorithm"] in stats["algorithms"], stats
    assert {"round-robin", "least-connections", "resource-based"} <= set(stats["algorithms"])
    try:
        status, body = hub.request("POST", "/api/loadbalancer/algorithm",
                                   {"algorithm": "least-connections"}, headers=admin)
        assert (status, body["algorithm"]) == (200, "least-connections"), body
        assert hub.request("GET", "/api/loadbalancer/stats",
                           headers=admin)[1]["algorithm"] == "least-connections"
    finally:
        hub.request("POST", "/api/loadbalancer/algorithm", {"algorithm": stats["algorithm"]},
                    headers=admin)


@pytest.mark.parametrize("bad", [{"scaleUpThreshold": 101}, {"scaleDownThreshold": -1},
                                 {"scaleUpThreshold": 20, "scaleDownThreshold": 30}])
def test_auto_scaling_thresholds_are_percentages(secured_hub: SecuredHub, bad: dict) -> None:
    status, body = secured_hub.hub.request("POST", "/api/config/auto-scaling", bad,
                                           headers=secured_hub.admin)
    assert (status, body["error"]) == (400, "invalid_config"), body


def test_auto_scaling_as_promised(secured_hub: SecuredHub) -> None:
    hub, admin = secured_hub.hub, secured_hub.admin
    before = hub.request("GET", "/api/config/auto-scaling", headers=admin)[1]["config"]
    promised = {"enabled": True, "minPoolSize": 5, "maxPoolSize": 50, "scaleUpThreshold": 80,
                "scaleDownThreshold": 30, "cooldownPeriod": 300}
    try:
        status, body = hub.request("POST", "/api/config/auto-scaling", promised, headers=admin)
        assert status == 200, body
        assert body["config"] == promised
        status, body = hub.request("GET", "/api/config/auto-scaling", headers=admin)
        assert status == 200 and body["config"] == promised
        assert "utilisation" in body and "pool" in body
    finally:
        hub.request("POST", "/api/config/auto-scaling", before, headers=admin)
