"""Two hubs on one PostgreSQL: a session started on one is served whole by the other
(commands, CDP, BiDi and VNC websockets, the video with Range, the dashboard page), a full
hub hands a waiting request to the one with room, and a killed owner makes its sessions fail
with a clear W3C error, not a hang."""

from __future__ import annotations

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from hub.peers.ids import route_key
from tests.integration.media.conftest import fetch, wait_for_video
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

FLAGS = ("--browsers", "chrome", "--max-sessions", "2", "--hub-heartbeat-interval", "2",
         "--hub-dead-after", "20")  # a loaded machine must not make a hub fence itself


def _new_session(hub: RunningHub, **options: object) -> dict:
    caps = {"browserName": "chrome", "webSocketUrl": True,
            "tggrid:options": {"screenResolution": "640x480", **options}}
    status, body = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": caps}},
                               timeout=120)
    assert status == 200, body
    return body["value"]


def _audited(hub: RunningHub, session_id: str, action: str) -> list[str]:
    """The addresses the audit log gives for ``action`` on the session (rows are written off
    the request's path: waits a little for the first)."""
    deadline = time.monotonic() + 10
    while True:
        _, audit = hub.request("GET", "/api/audit-logs?resourceType=session&limit=500")
        found = [e["ipAddress"] for e in audit["items"]
                 if e["resourceId"] == session_id and e["action"] == action]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _ws(hub: RunningHub, path: str) -> str:
    return hub.url.replace("http", "ws", 1) + path


async def _ask(url: str, message: dict) -> dict:
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        await ws.send_str(json.dumps(message))
        while True:
            answer = json.loads((await ws.receive(timeout=60)).data)
            if answer.get("id") == message["id"]:
                return answer


async def _vnc_banner(url: str) -> bytes:
    async with aiohttp.ClientSession() as client, client.ws_connect(
            url, protocols=("binary",)) as ws:
        return (await ws.receive(timeout=60)).data


async def test_any_hub_serves_any_session(hub_factory: HubFactory,
                                          postgres_url: str) -> None:  # noqa: F811
    flags = (*FLAGS, "--database-url", postgres_url)
    with ThreadPoolExecutor(2) as starting:  # each start waits for its hub to answer
        # the owner believes X-Forwarded-For from loopback (a proxy there), the other does not
        owner, other = starting.map(lambda extra: hub_factory(*flags, *extra[1], name=extra[0]),
                                    (("owner", ("--trusted-proxies", "127.0.0.1")),
                                     ("other", ())))
    owner_id = owner.request("GET", "/api/hubs")[1]["self"]
    created = _new_session(owner, enableVNC=True, enableVideo=True)
    session_id = created["sessionId"]
    assert session_id.endswith(route_key(owner_id)), "the id names its hub"

    # commands through the other hub, the very first one right after the start
    status, body = other.request("POST", f"/session/{session_id}/url",
                                 {"url": "data:text/html,<title>routed</title>"})
    assert status == 200, body
    assert other.request("GET", f"/wd/hub/session/{session_id}/title")[1]["value"] == "routed"
    # websockets: the hub that got them bridges to the owner's
    cdp = await _ask(_ws(other, f"/session/{session_id}/se/cdp"),
                     {"id": 1, "method": "Browser.getVersion"})
    assert "Chrome" in cdp["result"]["product"]
    bidi = await _ask(_ws(other, f"/session/{session_id}"),
                      {"id": 2, "method": "browsingContext.getTree", "params": {}})
    assert bidi["result"]["contexts"][0]["url"].startswith("data:text/html")
    assert (await _vnc_banner(_ws(other, f"/session/{session_id}/se/vnc"))
            ).startswith(b"RFB 003.00")
    status, _, page = fetch(f"{other.url}/ui/sessions/{session_id}")
    assert status == 200 and session_id.encode() in page
    # an unknown session of a known hub is still the owner's answer
    missing = "0" * 32 + route_key(owner_id)
    status, body = other.request("GET", f"/session/{missing}/title")
    assert (status, body["value"]["error"]) == (404, "invalid session id")

    assert other.request("DELETE", f"/session/{session_id}")[0] == 200
    video = f"{other.url}/api/sessions/{session_id}/video"
    status, _, whole = wait_for_video(video)
    assert status == 200 and len(whole) > 100, whole[:300]
    status, headers, part = fetch(video, {"Range": "bytes=10-99"})
    assert status == 206 and part == whole[10:100]
    assert headers["Content-Range"] == f"bytes 10-99/{len(whole)}"

    # the owner audits the client as the hub that forwarded resolved it: a client's forged
    # X-Forwarded-For, which the other hub did not believe, does not become its address
    ended = _new_session(owner)["sessionId"]
    assert other.request("DELETE", f"/api/sessions/{ended}",
                         headers={"X-Forwarded-For": "203.0.113.9"})[0] == 204
    assert _audited(owner, ended, "session.delete") == ["127.0.0.1"]

    # a full hub hands a waiting request to the one with room
    left = _new_session(owner)["sessionId"]
    _new_session(owner)  # the owner is full now (--max-sessions 2)
    own = _new_session(owner)["sessionId"]
    assert own.endswith(route_key(other.request("GET", "/api/hubs")[1]["self"]))

    # the owner dies: its session fails with the reason, at once, on the survivor
    owner.stop(signal.SIGKILL)
    status, body = other.request("GET", f"/session/{left}/title", timeout=30)
    assert (status, body["value"]["error"]) == (404, "invalid session id")
    assert f"session {left} has ended" in body["value"]["message"]
    assert owner_id in body["value"]["message"]
    assert other.request("GET", f"/session/{own}/title")[0] == 200, "its own carry on"
    assert other.request("DELETE", f"/session/{own}")[0] == 200
    owner.reap_after_kill()
