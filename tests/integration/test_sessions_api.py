"""/api/sessions against real Chromium sessions: create, list, label, end; and the history
and audit trail a quit, an idle timeout and a crashed driver each leave."""

from __future__ import annotations

import socket
import time
from typing import Any

from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub


def wait_for_row(hub: RunningHub, session_id: str, state: str, timeout: float = 60,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The session's row once it says ``state`` (rows are written off the hot path)."""
    deadline = time.monotonic() + timeout
    while True:
        status, row = hub.request("GET", f"/api/sessions/{session_id}", headers=headers)
        if status == 200 and row["state"] == state:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"session {session_id} never became {state}: {row}")
        time.sleep(0.5)


def session_audit_entries(hub: RunningHub, session_id: str) -> list[dict[str, Any]]:
    status, body = hub.request("GET", "/api/audit-logs?resourceType=session&limit=500")
    assert status == 200, body
    return [e for e in body["items"] if e["resourceId"] == session_id]


def session_audit(hub: RunningHub, session_id: str) -> list[str]:
    return [e["action"] for e in session_audit_entries(hub, session_id)]


def create(hub: RunningHub, user_agent: str = "tggrid-tests", **options: Any
           ) -> dict[str, Any]:
    status, created = hub.request("POST", "/api/sessions/create",
                                  {"browserType": "chrome", **options},
                                  headers={"User-Agent": user_agent})
    assert status == 201, created
    return created


def test_create_label_and_end_a_session_through_the_api(hub_factory: HubFactory) -> None:
    hub = hub_factory("--max-sessions", "1")
    created = create(hub, user_agent="release-bot/2.1", name="checkout flow")
    session_id = created["sessionId"]
    assert created["webdriverUrl"] == hub.url + "/wd/hub"
    assert created["capabilities"]["browserName"] == "chrome"
    assert "cdpUrl" in created and "vncUrl" in created
    status, answer = hub.request("POST", f"/wd/hub/session/{session_id}/url",
                                 {"url": "data:text/html,<title>api</title>"})
    assert status == 200, answer

    status, listed = hub.request("GET", "/api/sessions?state=running&browser=chrome")
    assert [row["id"] for row in listed["items"]] == [session_id]
    assert listed["items"][0]["name"] == "checkout flow"
    assert hub.request("GET", "/api/sessions?name=checkout")[1]["items"][0]["id"] == session_id
    assert hub.request("GET", "/api/sessions?name=nothing-like-it")[1]["items"] == []
    assert hub.request("GET", "/api/sessions?state=dancing")[0] == 400

    status, row = hub.request("PATCH", f"/api/sessions/{session_id}",
                              {"testStatus": "passed", "name": "checkout flow (retry)"})
    assert (status, row["testStatus"], row["name"]) == (200, "passed", "checkout flow (retry)")

    assert hub.request("DELETE", f"/api/sessions/{session_id}",
                       headers={"User-Agent": "janitor/1.0"})[0] == 204
    row = wait_for_row(hub, session_id, "closed")
    assert row["endReason"] == "it was ended through the API" and not row["failed"]
    assert row["testStatus"] == "passed" and row["endedAt"] >= row["startedAt"]
    status, body = hub.request("DELETE", f"/api/sessions/{session_id}")
    assert (status, body["error"]) == (409, "not_running")
    assert hub.request("GET", "/api/sessions/no-such-session")[0] == 404
    ended, started = session_audit_entries(hub, session_id)
    assert (ended["action"], ended["ipAddress"], ended["userAgent"]) == (
        "session.delete", "127.0.0.1", "janitor/1.0")
    assert (started["action"], started["ipAddress"], started["userAgent"]) == (
        "session.create", "127.0.0.1", "release-bot/2.1")
    status, answer = hub.request("GET", f"/wd/hub/session/{session_id}/url")
    assert answer["value"]["error"] == "invalid session id"


def test_create_reports_what_cannot_be_served(hub_factory: HubFactory) -> None:
    hub = hub_factory("--max-sessions", "1", "--browsers", "chrome")
    status, body = hub.request("POST", "/api/sessions/create", {"browserType": "safari"})
    assert (status, body["error"]) == (422, "unsatisfiable")
    assert "No node supports" in body["message"]
    status, body = hub.request("POST", "/api/sessions/create",
                               {"browserType": "chrome", "screenResolution": "big"})
    assert (status, body["error"]) == (400, "invalid_argument")


def test_idle_timeout_and_driver_crash_are_told_apart(hub_factory: HubFactory) -> None:
    hub = hub_factory("--max-sessions", "1", "--session-timeout", "2",
                      "--reaper-interval", "0.5")
    idle = create(hub)["sessionId"]
    row = wait_for_row(hub, idle, "timeout")
    assert "timed out" in row["endReason"] and not row["failed"]
    timed_out, started = session_audit_entries(hub, idle)
    assert (timed_out["action"], started["action"]) == ("session.timeout", "session.create")
    # the hub ended it, no client: the entry claims no address; the start has the creator's
    assert (timed_out["ipAddress"], started["ipAddress"]) == (None, "127.0.0.1")

    doomed = create(hub, idleTimeout=600)["sessionId"]
    drivers = [p for p in hub.descendants() if "chromedriver" in p.name()]
    assert len(drivers) == 1
    drivers[0].kill()
    row = wait_for_row(hub, doomed, "failed")
    assert row["failed"] and "exited" in row["endReason"]
    assert session_audit(hub, doomed) == ["session.failed", "session.create"]


def test_ending_through_the_api_finishes_when_the_client_hangs_up(
        hub_factory: HubFactory) -> None:
    """A script that sends DELETE and exits at once still gets the whole end: browser and
    driver gone, the slot free, the row closed (the hub cancels a handler whose client left)."""
    hub = hub_factory("--max-sessions", "1")
    session_id = create(hub)["sessionId"]
    assert {p.name() for p in hub.descendants()} & {"chromedriver", "chromium"}
    host, port = hub.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(f"DELETE /api/sessions/{session_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       "Content-Length: 0\r\n\r\n".encode())
    row = wait_for_row(hub, session_id, "closed")
    assert row["endReason"] == "it was ended through the API"
    deadline = time.monotonic() + 30
    while {p.name() for p in hub.descendants()} & {"chromedriver", "chromium"}:
        assert time.monotonic() < deadline, [p.name() for p in hub.descendants()]
        time.sleep(0.2)
    _, body = hub.request("GET", "/status")
    assert [s for n in body["value"]["nodes"] for s in n["slots"] if s["session"]] == []
    assert create(hub)["sessionId"]  # the one slot takes the next session
