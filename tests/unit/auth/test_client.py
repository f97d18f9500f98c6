"""Client addresses: forwarded headers count only from trusted proxies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.auth.client import client_address, parse_networks


def app_trusting(*entries: str) -> web.Application:
    trusted = parse_networks(list(entries))

    async def whoami(request: web.Request) -> web.Response:
        return web.Response(text=client_address(request, trusted))

    app = web.Application()
    app.router.add_get("/", whoami)
    return app


@pytest.fixture
async def client_for() -> AsyncIterator:
    clients: list[TestClient] = []

    async def make(*entries: str) -> TestClient:
        client = TestClient(TestServer(app_trusting(*entries), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def ask(client: TestClient, headers: dict[str, str]) -> str:
    response = await client.get("/", headers=headers)
    return await response.text()


async def test_forged_headers_from_an_untrusted_peer_are_ignored(client_for) -> None:
    client = await client_for()
    assert await ask(client, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"
    assert await ask(client, {"X-Real-IP": "203.0.113.9"}) == "127.0.0.1"
    client = await client_for("10.0.0.0/8")
    assert await ask(client, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


async def test_a_trusted_proxy_is_believed_right_to_left(client_for) -> None:
    client = await client_for("127.0.0.1", "10.0.0.0/8")
    assert await ask(client, {"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    # the client forged the first hop; the proxies appended the real one
    assert await ask(client, {"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.0.0.5"}
                     ) == "198.51.100.7"
    assert await ask(client, {"X-Real-IP": "198.51.100.8"}) == "198.51.100.8"
    assert await ask(client, {"X-Forwarded-For": "not-an-ip"}) == "127.0.0.1"
    assert await ask(client, {}) == "127.0.0.1"


def test_bad_trusted_proxy_entries_are_refused() -> None:
    with pytest.raises(ValueError, match="not an address"):
        parse_networks(["10.0.0.0/33"])
