"""The hub's websockets seen by a raw client: refusals, BiDi paths, lifetimes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.integration.cdp.helpers import running_session_ids, wait_until_gone
from tests.support.hubs import RunningHub

pytestmark = pytest.mark.slow


def ws_url(hub: RunningHub, path: str) -> str:
    return hub.url.replace("http://", "ws://") + path


def new_chrome(hub: RunningHub, **caps: object) -> str:
    status, body = hub.request("POST", "/session", {
        "capabilities": {"alwaysMatch": {"browserName": "chrome", **caps}}})
    assert status == 200, body
    return body["value"]["sessionId"]


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        yield session


@pytest.mark.parametrize("path", ["/session/{id}/se/cdp", "/wd/hub/session/{id}/se/cdp",
                                  "/session/{id}", "/wd/hub/session/{id}/se/bidi"])
async def test_websockets_of_unknown_sessions_are_refused_before_the_upgrade(
    shared_hub, client, path,
):
    url = ws_url(shared_hub, path.format(id="no-such-session"))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(url)
    assert refused.value.status == 404
    async with client.get(url.replace("ws://", "http://"),
                          headers={"Upgrade": "websocket", "Connection": "Upgrade"}) as response:
        body = await response.json()
    assert body["value"]["error"] == "invalid session id"


async def test_bidi_without_web_socket_url_is_refused_with_a_hint(shared_hub, client):
    session_id = new_chrome(shared_hub)
    try:
        async with client.get(shared_hub.url + f"/session/{session_id}",
                              headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                       "Sec-WebSocket-Version": "13"}) as response:
            assert response.status == 404
            assert "webSocketUrl" in (await response.json())["value"]["message"]
    finally:
        shared_hub.request("DELETE", f"/session/{session_id}")


async def test_bidi_on_both_paths_and_plain_gets_still_reach_the_driver(shared_hub, client):
    session_id = new_chrome(shared_hub, webSocketUrl=True)
    try:
        for path in (f"/session/{session_id}", f"/wd/hub/session/{session_id}"):
            async with client.ws_connect(ws_url(shared_hub, path)) as ws:
                await ws.send_json({"id": 1, "method": "browsingContext.getTree", "params": {}})
                answer = await ws.receive_json(timeout=60)
                assert answer["type"] == "success"
                assert answer["result"]["contexts"]
        async with client.get(shared_hub.url + f"/session/{session_id}") as response:
            assert response.status == 404  # chromedriver's own answer to a non-W3C GET
            assert (await response.json())["value"]["error"] == "unknown command"
    finally:
        shared_hub.request("DELETE", f"/session/{session_id}")


async def test_quitting_a_session_closes_its_websockets(shared_hub, client):
    session_id = new_chrome(shared_hub, webSocketUrl=True)
    try:
        cdp = await client.ws_connect(ws_url(shared_hub, f"/session/{session_id}/se/cdp"))
        bidi = await client.ws_connect(ws_url(shared_hub, f"/session/{session_id}"))
        await cdp.send_json({"id": 1, "method": "Browser.getVersion"})
        assert "product" in (await cdp.receive_json(timeout=60))["result"]
    finally:
        status, _ = shared_hub.request("DELETE", f"/session/{session_id}")
        assert status == 200
    for ws in (cdp, bidi):
        message = await ws.receive(timeout=60)
        assert message.type is aiohttp.WSMsgType.CLOSE
        await ws.close()


async def test_a_session_ended_by_the_hub_closes_its_websockets_saying_why(hub_factory, client):
    hub = hub_factory("--session-timeout", "3", "--reaper-interval", "0.5")
    session_id = new_chrome(hub, webSocketUrl=True)
    cdp = await client.ws_connect(ws_url(hub, f"/session/{session_id}/se/cdp"))
    bidi = await client.ws_connect(ws_url(hub, f"/wd/hub/session/{session_id}/se/bidi"))
    for ws in (cdp, bidi):  # both stay idle: the reaper ends the session
        message = await ws.receive(timeout=120)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert message.data == 1001
        assert message.extra == "session ended: it timed out after 3 s without a command"
        await ws.close()
    assert session_id not in running_session_ids(hub)


async def test_an_open_cdp_websocket_keeps_its_session_from_the_idle_reaper(
    hub_factory, client,
):
    hub = hub_factory("--session-timeout", "2", "--reaper-interval", "0.5",
                      "--max-sessions", "1")
    async with client.ws_connect(ws_url(hub, "/cdp")) as ws:
        (session_id,) = running_session_ids(hub)
        await asyncio.sleep(6)  # three idle timeouts without a message
        await ws.send_json({"id": 1, "method": "Browser.getVersion"})
        assert "product" in (await ws.receive_json(timeout=60))["result"]
        assert running_session_ids(hub) == {session_id}
    for _ in range(300):
        if not running_session_ids(hub):
            break
        await asyncio.sleep(0.2)
    assert not running_session_ids(hub)


async def test_a_stopping_hub_closes_cdp_websockets_and_leaves_no_browser(hub_factory, client):
    hub = hub_factory("--max-sessions", "1")
    async with client.ws_connect(ws_url(hub, "/cdp")) as ws:
        await ws.send_json({"id": 1, "method": "Browser.getVersion"})
        assert "product" in (await ws.receive_json(timeout=60))["result"]
        started = {process.pid for process in hub.descendants()}
        assert started
        stopping = asyncio.create_task(asyncio.to_thread(hub.stop))
        message = await ws.receive(timeout=120)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert message.data == 1001
        assert message.extra == "session ended: the hub shut down"
        assert await stopping == 0
    wait_until_gone(started)
