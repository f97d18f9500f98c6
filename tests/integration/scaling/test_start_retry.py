"""A node that fails to start a browser: the request goes elsewhere, or fails with the cause."""

from __future__ import annotations

from tests.integration.scaling.conftest import (
    ALLOW_RELAY_BINARY,
    RELAY_CHROME,
    add_relay,
    new_session,
    quit_session,
)


def test_a_failed_start_moves_to_another_node(hub_factory, chromedrivers):
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY,
                      "--health-check-interval", "3600",
                      "--load-balancer", "round-robin")
    dead, alive = chromedrivers(), chromedrivers()
    add_relay(hub, dead, "relay-a")
    add_relay(hub, alive, "relay-b")
    dead.stop()  # still UP for the hub: the next health check is an hour away
    session_ids = [new_session(hub, RELAY_CHROME) for _ in range(2)]
    _, body = hub.request("GET", "/status")
    placed = {slot["session"]["sessionId"]: node["id"] for node in body["value"]["nodes"]
              for slot in node["slots"] if slot["session"]}
    assert {placed[s] for s in session_ids} == {"relay-b"}
    for session_id in session_ids:
        quit_session(hub, session_id)


def test_when_no_other_node_can_serve_the_client_gets_the_cause_at_once(
        hub_factory, chromedrivers):
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY,
                      "--health-check-interval", "3600")
    dead = chromedrivers()
    add_relay(hub, dead, "relay-a")
    dead.stop()
    status, body = hub.request(
        "POST", "/session", {"capabilities": {"alwaysMatch": RELAY_CHROME}}, timeout=60)
    assert status == 500
    assert body["value"]["error"] == "session not created"
    assert "did not answer" in body["value"]["message"]
    assert hub.request("GET", "/se/grid/newsessionqueue/queue")[1]["value"] == []
