"""The websocket <-> TCP bridge between a real aiohttp server and a real TCP server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.test_utils import TestServer

from hub.proxy.tcp_bridge import bridge, open_tcp

MIB = 1024 * 1024


@dataclass
class TcpSide:
    """A stand-in for x11vnc: greets, echoes, or floods when told."""

    port: int = 0
    received: bytearray = field(default_factory=bytearray)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"RFB 003.008\n")
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                self.received += data
                if data == b"flood":
                    for _ in range(64):
                        writer.write(bytes(MIB))
                        await writer.drain()
                else:
                    writer.write(data)
                    await writer.drain()
        writer.close()
        self.closed.set()


@dataclass
class Setup:
    url: str
    tcp: TcpSide
    client: aiohttp.ClientSession
    reasons: list[str]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    tcp = TcpSide()
    server = await asyncio.start_server(tcp.handle, "127.0.0.1", 0)
    tcp.port = server.sockets[0].getsockname()[1]
    reasons: list[str] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        reader, writer = await open_tcp(f"127.0.0.1:{tcp.port}")
        ws = web.WebSocketResponse(protocols=("binary",))
        await ws.prepare(request)
        reasons.append(await bridge(ws, reader, writer))
        return ws

    app = web.Application()
    app.router.add_get("/vnc", handler)
    front = TestServer(app, host="127.0.0.1")
    await front.start_server()
    async with aiohttp.ClientSession() as client:
        yield Setup(str(front.make_url("/vnc")), tcp, client, reasons)
    await front.close()
    for writer in tcp.writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_binary_both_ways_with_the_binary_subprotocol(setup):
    async with setup.client.ws_connect(setup.url, protocols=("binary",)) as ws:
        assert ws.protocol == "binary"
        greeting = await ws.receive_bytes(timeout=10)
        assert greeting == b"RFB 003.008\n"
        await ws.send_bytes(b"RFB 003.008\n")
        assert await ws.receive_bytes(timeout=10) == b"RFB 003.008\n"
    await asyncio.wait_for(setup.tcp.closed.wait(), 10)
    assert bytes(setup.tcp.received) == b"RFB 003.008\n"


async def test_server_closing_closes_the_websocket(setup):
    async with setup.client.ws_connect(setup.url) as ws:
        await ws.receive_bytes(timeout=10)
        setup.tcp.writers[0].close()
        message = await ws.receive(timeout=10)
        assert message.type in {WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING}
        assert ws.close_code == WSCloseCode.GOING_AWAY
    for _ in range(100):
        if setup.reasons:
            break
        await asyncio.sleep(0.1)
    assert setup.reasons == ["server closed"]


async def test_text_frames_are_refused(setup):
    async with setup.client.ws_connect(setup.url) as ws:
        await ws.receive_bytes(timeout=10)
        await ws.send_str("hello")
        message = await ws.receive(timeout=10)
        assert message.type is WSMsgType.CLOSE
        assert message.data == WSCloseCode.UNSUPPORTED_DATA
    await asyncio.wait_for(setup.tcp.closed.wait(), 10)
    assert setup.tcp.received == b""


async def test_a_slow_reader_gets_everything_in_order(setup):
    async with setup.client.ws_connect(setup.url, max_msg_size=0) as ws:
        await ws.receive_bytes(timeout=10)
        await ws.send_bytes(b"flood")
        await asyncio.sleep(1)  # let the flood meet back-pressure before reading
        total = 0
        while total < 64 * MIB:
            data = await ws.receive_bytes(timeout=30)
            assert data == bytes(len(data))
            total += len(data)
        assert total == 64 * MIB
