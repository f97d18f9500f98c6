"""The promised session call, verbatim: ``POST /api/sessions/create {"browserType": "chrome"}``
with a bearer token answers the session with its ``vncUrl`` (shared/PROMISED-API.md)."""

from __future__ import annotations

from tests.integration.accounts import admin_token, bearer
from tests.support.fixtures import HubFactory


def test_create_a_chrome_session_with_a_bearer_token(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on", "--browsers", "chrome", "--max-sessions", "1")
    _, token = admin_token(hub)
    status, body = hub.request("POST", "/api/sessions/create", {"browserType": "chrome"},
                               headers=bearer(token))
    assert status == 201, body
    assert {"sessionId", "webdriverUrl", "capabilities", "vncUrl"} <= set(body)
    assert body["capabilities"]["browserName"] == "chrome"
    assert hub.request("DELETE", f"/api/sessions/{body['sessionId']}",
                       headers=bearer(token))[0] == 204

    status, body = hub.request("POST", "/api/sessions/create",
                               {"browserType": "chrome", "enableVNC": True},
                               headers=bearer(token))
    assert status == 201, body
    assert body["vncUrl"].startswith("ws://") and body["vncUrl"].endswith("/vnc"), body
    assert hub.request("DELETE", f"/api/sessions/{body['sessionId']}",
                       headers=bearer(token))[0] == 204
