"""A relay's upstream browser killed while the client is silent: the hub notices within
seconds (hub.nodes.liveness), ends the session with the reason and frees the slot."""

from __future__ import annotations

import signal
import time

import psutil

from tests.integration.scaling.conftest import (
    ALLOW_RELAY_BINARY,
    add_relay,
    new_session,
    quit_session,
    wait_for,
)
from tests.support.fixtures import HubFactory


def _ended_row(hub, session_id: str) -> dict:
    def ended() -> dict | None:
        status, row = hub.request("GET", f"/api/sessions/{session_id}")
        return row if status == 200 and row.get("state") != "running" else None

    return wait_for(ended, timeout=30, what="the session to end")  # the idle timeout is 300 s


def test_a_killed_upstream_browser_ends_the_silent_relayed_session(
    hub_factory: HubFactory, chromedrivers,
) -> None:
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY)
    upstream = chromedrivers()
    add_relay(hub, upstream, "relay-live", max_sessions=1)
    first = new_session(hub)
    assert hub.request("POST", f"/session/{first}/url", {"url": "about:blank"})[0] == 200
    [browser] = psutil.Process(upstream.process.pid).children()
    browser.send_signal(signal.SIGKILL)  # the client says nothing from here on

    row = _ended_row(hub, first)
    assert row["state"] == "failed", row
    assert "the browser died while the client was silent" in row["endReason"], row
    status, body = hub.request("GET", f"/session/{first}/url")
    assert status == 404 and body["value"]["error"] == "invalid session id", body
    assert "the browser died" in body["value"]["message"], body

    # The slot is free: the relay (one slot) takes the next session, which lives on while
    # its client is silent and ends as the client asks.
    second = new_session(hub)
    time.sleep(5)  # a few probes of a live browser while the client is silent
    assert hub.request("POST", f"/session/{second}/url", {"url": "about:blank"})[0] == 200
    quit_session(hub, second)
    assert hub.request("GET", f"/api/sessions/{second}")[1]["state"] != "failed"
