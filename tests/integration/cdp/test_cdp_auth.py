"""The hub's websockets with auth on: credentials at the handshake, owners only."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp
import pytest
from playwright.sync_api import sync_playwright

from tests.integration.accounts import bearer, signed_up
from tests.integration.cdp.helpers import PAGE
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

pytestmark = pytest.mark.slow


@pytest.fixture
def hub(hub_factory: HubFactory) -> RunningHub:
    return hub_factory("--auth", "on", "--max-sessions", "2")


def test_playwright_needs_a_token_and_its_session_is_kind_cdp(hub: RunningHub) -> None:
    _, token = signed_up(hub, "alice")
    ws = hub.url.replace("http://", "ws://") + "/cdp"
    with sync_playwright() as pw:
        with pytest.raises(Exception, match="401"):
            pw.chromium.connect_over_cdp(ws, timeout=60_000)
        for endpoint, headers in ((f"{ws}?token={quote(token)}&name=by-query", None),
                                  (f"{hub.url}/cdp?token={quote(token)}", None),
                                  (ws + "?name=by-header", bearer(token))):
            browser = pw.chromium.connect_over_cdp(endpoint, headers=headers, timeout=120_000)
            try:
                page = browser.contexts[0].pages[0]
                page.goto(PAGE)
                assert page.title() == "hello"
            finally:
                browser.close()
    status, listed = hub.request("GET", "/api/sessions", headers=bearer(token))
    assert status == 200, listed
    assert [item["kind"] for item in listed["items"]] == ["cdp"] * 3


async def test_only_the_owner_reaches_a_sessions_websockets(hub: RunningHub) -> None:
    _, alice = signed_up(hub, "alice")
    _, bob = signed_up(hub, "bob")
    status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "webSocketUrl": True}}}, headers=bearer(alice))
    assert status == 200, body
    session_id = body["value"]["sessionId"]
    try:
        base = hub.url.replace("http://", "ws://")
        async with aiohttp.ClientSession() as client:
            for path in (f"/session/{session_id}/se/cdp", f"/session/{session_id}"):
                for headers, refused in (({}, 401), (bearer(bob), 404)):
                    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
                        await client.ws_connect(base + path, headers=headers)
                    assert error.value.status == refused
                async with client.ws_connect(base + path, headers=bearer(alice)) as ws:
                    assert not ws.closed
    finally:
        hub.request("DELETE", f"/session/{session_id}", headers=bearer(alice))
