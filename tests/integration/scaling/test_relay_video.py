"""A relay node records nothing: a session there that asks for a video starts, is handed no
video link, is told it is unrecorded, and the video URL answers a plain 404 (never a 409 to
wait on) while it runs and after it ended."""

from __future__ import annotations

import time
import urllib.request

from pytest_tggrid.hub import HubClient
from tests.integration.scaling.conftest import (
    ALLOW_RELAY_BINARY,
    RELAY_CHROME,
    add_relay,
    quit_session,
)
from tests.support.fixtures import HubFactory


def test_a_relay_session_asking_for_video_starts_unrecorded_and_says_so(
    hub_factory: HubFactory, chromedrivers,
) -> None:
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY)
    add_relay(hub, chromedrivers(), "relay-novideo", max_sessions=1)
    status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
        **RELAY_CHROME, "tggrid:options": {"enableVideo": True, "name": "relayed"}}}},
        timeout=120)
    assert status == 200, body
    session_id, caps = body["value"]["sessionId"], body["value"]["capabilities"]
    assert "tggrid:videoUrl" not in caps, caps
    assert caps["tggrid:options"]["enableVideo"] is False, caps

    asked = time.monotonic()
    status, answer = hub.request("GET", f"/api/sessions/{session_id}/video", timeout=10)
    assert status == 404, answer
    assert answer["error"] == "not_recorded", answer
    assert "is not recorded" in answer["message"], answer
    assert "relay-novideo (relay) records no video" in answer["message"], answer
    assert time.monotonic() - asked < 5
    # what the plugin asks of a Playwright session, which gets no capabilities back
    assert HubClient(hub.url).refuses_video(session_id)
    assert not HubClient(hub.url).refuses_video("no-such-session")

    quit_session(hub, session_id)
    status, answer = hub.request("GET", f"/api/sessions/{session_id}/video", timeout=10)
    assert status == 404, answer
    status, row = hub.request("GET", f"/api/sessions/{session_id}")
    assert status == 200, row
    assert "tggrid:videoUrl" not in row["capabilities"], row
    assert row["capabilities"]["tggrid:options"]["enableVideo"] is False, row
    status, listed = hub.request("GET", "/api/recordings")
    assert status == 200 and listed["recordings"] == [], listed
    with urllib.request.urlopen(f"{hub.url}/ui/sessions/{session_id}", timeout=30) as page:
        html = page.read().decode()
    assert "This session is not recorded: its node (relay-novideo) records no video" in html
    assert "<video" not in html
