"""With auth on: owners and admins watch and download, others see nothing, signed links work
without a token until they expire."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.integration.accounts import admin_token, bearer, signed_up
from tests.integration.media.conftest import (
    fetch,
    open_session,
    quit_quietly,
    wait_for_video,
)


@pytest.fixture
def auth_hub(hub_factory):
    return hub_factory("--auth", "on")


async def _banner(url: str, headers: dict[str, str] | None = None) -> bytes:
    async with aiohttp.ClientSession() as client, client.ws_connect(
            url, headers=headers or {}, protocols=("binary",)) as ws:
        message = await ws.receive(timeout=60)
        return message.data


async def _handshake_status(url: str, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(url, headers=headers or {}):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def _links(hub, session_id: str, token: str, **body) -> tuple[int, dict]:
    return hub.request("POST", f"/api/sessions/{session_id}/links", body or None,
                       headers=bearer(token))


async def test_owner_admin_stranger_and_signed_links(auth_hub):
    hub = auth_hub
    _, alice = signed_up(hub, "alice")
    _, bob = signed_up(hub, "bob")
    _, admin = admin_token(hub)
    driver = await asyncio.to_thread(open_session, hub, bearer(alice), enableVNC=True,
                                     enableVideo=True, videoName="alice")
    session_id = driver.session_id
    api_vnc = hub.url.replace("http", "ws") + f"/api/sessions/{session_id}/vnc"
    video = f"{hub.url}/api/sessions/{session_id}/video"
    try:
        assert (await _banner(api_vnc, bearer(alice))).startswith(b"RFB 003.00")
        assert (await _banner(api_vnc, bearer(admin))).startswith(b"RFB 003.00")
        assert await _handshake_status(api_vnc, bearer(bob)) == 404
        assert await _handshake_status(api_vnc) == 401
        assert fetch(video, bearer(bob))[0] == 404
        assert fetch(video, bearer(alice))[0] == 409

        assert _links(hub, session_id, bob)[0] == 404
        status, links = _links(hub, session_id, alice)
        assert status == 200, links
        assert (await _banner(links["vnc"])).startswith(b"RFB 003.00")
        status, _, page = fetch(links["viewer"])
        assert status == 200
        assert links["vnc"].split("?")[1] in page.decode()
        forged = links["vnc"].replace("sig=", "sig=0")
        assert await _handshake_status(forged) == 401
        other_session = links["vnc"].replace(session_id, "0" * len(session_id))
        assert await _handshake_status(other_session) == 401
        _, short = _links(hub, session_id, alice, ttl=1)
    finally:
        await asyncio.to_thread(quit_quietly, driver)

    status, _, body = await asyncio.to_thread(wait_for_video, links["video"])
    assert status == 200 and len(body) > 1000
    assert fetch(video, bearer(alice))[2] == body
    assert fetch(video, bearer(admin))[0] == 200
    assert fetch(video, bearer(bob))[0] == 404
    assert fetch(video)[0] == 401
    await asyncio.sleep(2.1)  # the short link has expired by now
    assert fetch(short["video"])[0] == 401

    def names(token: str) -> list[str]:
        status, listing = hub.request("GET", "/api/recordings", headers=bearer(token))
        assert status == 200, listing
        return [r["name"] for r in listing["recordings"]]

    assert names(alice) == ["alice.mp4"]
    assert names(admin) == ["alice.mp4"]
    assert names(bob) == []
    [recording_id] = [r["id"] for r in hub.request(
        "GET", "/api/recordings", headers=bearer(alice))[1]["recordings"]]
    assert hub.request("DELETE", f"/api/recordings/{recording_id}",
                       headers=bearer(bob))[0] == 404
    assert hub.request("DELETE", f"/api/recordings/{recording_id}",
                       headers=bearer(alice))[0] == 204
    assert names(admin) == []
