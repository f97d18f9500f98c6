"""Each input issue 14 saw answered 500 with a traceback now answers a clear 4xx
``{"error", "message"}`` naming its request id, and stores nothing."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from tests.support.secured_hub import SecuredHub

DEEP = b"[" * 100_000
HUGE = "9" * 30


def send(secured: SecuredHub, method: str, path: str, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", secured.hub.port, timeout=60)
    try:
        connection.request(method, path, body=raw, headers={
            "Content-Type": "application/json", **secured.admin, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(("method", "path", "raw"), [
    ("POST", "/api/auth/login", DEEP), ("POST", "/api/auth/register", DEEP),
    ("POST", "/api/tokens", DEEP), ("POST", "/api/nodes", DEEP),
    ("GET", f"/api/audit-logs/{HUGE}", None), ("GET", f"/api/audit-logs?cursor={HUGE}", None),
    ("DELETE", f"/api/tokens/{HUGE}", None), ("GET", f"/api/sessions?user={2**63}", None),
    ("GET", f"/api/sessions?offset={HUGE}", None), ("GET", f"/api/recordings?user={HUGE}", None),
    ("PATCH", f"/api/users/{HUGE}", b'{"fullName": "x"}'),
    ("POST", "/api/tokens", b'{"name": "\\ud800"}'),
    ("POST", "/api/tokens", b'{"name": NaN}'),
    ("POST", "/api/sessions/create", b'{"capabilities": {"tggrid:options": 0.5}}'),
    ("POST", "/api/nodes", b'{"url": "http://[::1"}'),
    ("POST", "/api/nodes", b'{"url": "http://127.0.0.1:99999"}'),
    ("POST", "/api/config/auto-scaling", b'{"cooldownPeriod": Infinity}'),
    ("POST", "/api/config/auto-scaling", b'{"maxPoolSize": 1e400}'),
    ("POST", "/api/sessions/create", b'{"browserType": 7}'),
    ("POST", "/api/loadbalancer/algorithm", b'{"algorithm": ["round-robin"]}'),
])
def test_refused_with_a_clear_4xx(secured_hub: SecuredHub, method: str, path: str,
                                  raw: bytes | None) -> None:
    before = send(secured_hub, "GET", "/api/tokens")[2]["items"]
    status, headers, body = send(secured_hub, method, path, raw)
    assert 400 <= status < 500, (status, body)
    assert set(body) == {"error", "message"} and body["message"], body
    assert "Traceback" not in body["message"] and ".py" not in body["message"]
    assert headers.get("X-Request-Id")
    assert send(secured_hub, "GET", "/api/tokens")[2]["items"] == before


@pytest.mark.parametrize("header", [
    {"Authorization": "Bearer \xff"}, {"Authorization": "Basic \xff\xfe"},
    {"Authorization": "Bearer é€".encode().decode("latin-1")},
    {"Cookie": "tggrid_token=\xff"}])
@pytest.mark.parametrize("path", ["/api/tokens", "/api/sessions", "/api/health"])
def test_credentials_that_are_not_utf8_are_just_wrong(secured_hub: SecuredHub,
                                                      header: dict[str, str], path: str) -> None:
    headers = {"Authorization": "", **header}
    status, answer, body = send(secured_hub, "GET", path, headers=headers)
    if path == "/api/health":  # public: bad credentials make the caller anonymous
        assert status == 200, body
    else:
        assert (status, body["error"]) == (401, "unauthorized"), body
    assert answer.get("X-Request-Id")


def test_stored_numbers_come_back_as_json(secured_hub: SecuredHub) -> None:
    """NaN never gets in, so every list stays parseable JSON for the dashboard."""
    for path in ("/api/sessions", "/api/tokens", "/api/config/auto-scaling", "/api/nodes"):
        connection = http.client.HTTPConnection("127.0.0.1", secured_hub.hub.port, timeout=60)
        connection.request("GET", path, headers=secured_hub.admin)
        text = connection.getresponse().read().decode()
        connection.close()
        json.loads(text, parse_constant=lambda name, path=path: pytest.fail(f"{path}: {name}"))
