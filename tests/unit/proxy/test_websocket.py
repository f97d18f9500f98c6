"""The websocket bridge between real aiohttp servers: order, types, close codes, flow control."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from hub.proxy.websocket import Bridge, client_websocket, connect_upstream

MIB = 1024 * 1024


@dataclass
class Upstream:
    """What the far side (a stand-in for a browser) saw."""

    received: list[tuple[WSMsgType, object]] = field(default_factory=list)
    close_code: int | None = None
    sent: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)


STATE = web.AppKey("state", Upstream)


async def upstream_handler(request: web.Request) -> web.WebSocketResponse:
    """Echoes; ``close:<code>`` makes it close; ``flood:<n>`` sends n 1 MiB messages."""
    state = request.app[STATE]
    ws = web.WebSocketResponse(autoclose=True, max_msg_size=0)
    await ws.prepare(request)
    async for message in ws:
        state.received.append((message.type, message.data))
        if message.type is WSMsgType.TEXT and message.data.startswith("close:"):
            await ws.close(code=int(message.data[6:]), message=b"upstream says bye")
        elif message.type is WSMsgType.TEXT and message.data.startswith("flood:"):
            for index in range(int(message.data[6:])):
                await ws.send_bytes(index.to_bytes(4, "big") + bytes(MIB))
                state.sent += 1
        elif message.type is WSMsgType.TEXT:
            await ws.send_str(message.data)
        else:
            await ws.send_bytes(message.data)
    state.close_code = ws.close_code
    state.closed.set()
    return ws


@dataclass
class Setup:
    url: str
    upstream: Upstream
    bridges: list[Bridge]
    client: aiohttp.ClientSession


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    state = Upstream()
    far = web.Application()
    far[STATE] = state
    far.router.add_get("/ws", upstream_handler)
    far_server = TestServer(far)
    await far_server.start_server()
    bridges: list[Bridge] = []
    upstream_client = aiohttp.ClientSession()

    async def bridge_handler(request: web.Request) -> web.WebSocketResponse:
        upstream = await connect_upstream(upstream_client, str(far_server.make_url("/ws")))
        ws = client_websocket(None)
        await ws.prepare(request)
        bridge = Bridge(ws, upstream, "test")
        bridges.append(bridge)
        await bridge.run()
        return ws

    hub = web.Application()
    hub.router.add_get("/bridge", bridge_handler)
    hub_server = TestServer(hub)
    await hub_server.start_server()
    client = aiohttp.ClientSession()
    yield Setup(str(hub_server.make_url("/bridge")), state, bridges, client)
    await client.close()
    await hub_server.close()
    await upstream_client.close()
    await far_server.close()


async def test_text_and_binary_arrive_in_order_with_their_types(setup: Setup) -> None:
    sent = [f"message {i}" if i % 2 else f"binary {i}".encode() for i in range(300)]
    async with setup.client.ws_connect(setup.url) as ws:
        for item in sent:
            if isinstance(item, str):
                await ws.send_str(item)
            else:
                await ws.send_bytes(item)
        echoed = [(await ws.receive(timeout=30)).data for _ in sent]
    assert echoed == sent
    assert [data for _, data in setup.upstream.received[:len(sent)]] == sent


async def test_client_close_code_reaches_the_upstream(setup: Setup) -> None:
    async with setup.client.ws_connect(setup.url) as ws:
        await ws.send_str("hello")
        assert (await ws.receive(timeout=30)).data == "hello"
        await ws.close(code=4001, message=b"client says bye")
    await asyncio.wait_for(setup.upstream.closed.wait(), 30)
    assert setup.upstream.close_code == 4001


async def test_upstream_close_code_reaches_the_client(setup: Setup) -> None:
    async with setup.client.ws_connect(setup.url) as ws:
        await ws.send_str("close:4002")
        message = await ws.receive(timeout=30)
        assert message.type is WSMsgType.CLOSE
        assert message.data == 4002
        assert message.extra == "upstream says bye"


async def test_closing_the_bridge_closes_both_sides(setup: Setup) -> None:
    async with setup.client.ws_connect(setup.url) as ws:
        await ws.send_str("ping")
        assert (await ws.receive(timeout=30)).data == "ping"
        setup.bridges[0].close(1001, "session ended: the client quit")
        message = await ws.receive(timeout=30)
        assert message.type is WSMsgType.CLOSE
        assert (message.data, message.extra) == (1001, "session ended: the client quit")
    await asyncio.wait_for(setup.upstream.closed.wait(), 30)
    assert setup.upstream.close_code == 1001


async def test_a_slow_client_holds_back_the_upstream_instead_of_filling_the_hub(
    setup: Setup,
) -> None:
    flood = 200
    async with setup.client.ws_connect(setup.url, max_msg_size=0) as ws:
        await ws.send_str(f"flood:{flood}")
        # Read nothing until the upstream stops making progress: it is blocked on sending.
        last, still = -1, 0
        for _ in range(600):
            await asyncio.sleep(0.1)
            last, still = setup.upstream.sent, still + 1 if setup.upstream.sent == last else 0
            if still >= 10:
                break
        assert setup.upstream.sent < 64, "the hub buffered what the client did not read"
        for index in range(flood):
            message = await ws.receive(timeout=60)
            assert int.from_bytes(message.data[:4], "big") == index
    assert setup.upstream.sent == flood
