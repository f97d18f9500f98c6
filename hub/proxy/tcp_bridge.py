"""A client's websocket joined to a TCP stream (VNC's RFB): binary frames both ways.

Each direction holds at most one chunk: the next websocket message is read only after the last
one was written and drained to TCP, and the next TCP read waits until the last frame was sent
(aiohttp's websocket writer drains past its buffer limit). A slow side therefore stalls its
peer through TCP instead of making the hub buffer. Either side ending ends the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, WSMsgType, web

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
CONNECT_TIMEOUT = 10.0


async def open_tcp(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """``host:port`` -> streams; OSError (or TimeoutError) when nothing answers."""
    host, _, port = address.rpartition(":")
    async with asyncio.timeout(CONNECT_TIMEOUT):
        return await asyncio.open_connection(host, int(port), limit=CHUNK)


async def _websocket_to_tcp(ws: web.WebSocketResponse, writer: asyncio.StreamWriter) -> str:
    async for message in ws:
        if message.type == WSMsgType.BINARY:
            writer.write(message.data)
            await writer.drain()
        elif message.type == WSMsgType.TEXT:
            await ws.close(code=WSCloseCode.UNSUPPORTED_DATA,
                           message=b"this socket carries RFB in binary frames only")
            return "client sent text"
        elif message.type == WSMsgType.ERROR:
            return f"client error: {ws.exception()}"
    return "client closed"


async def _tcp_to_websocket(reader: asyncio.StreamReader, ws: web.WebSocketResponse) -> str:
    while True:
        data = await reader.read(CHUNK)
        if not data:
            return "server closed"
        await ws.send_bytes(data)


async def bridge(
    ws: web.WebSocketResponse, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> str:
    """Pump until either side ends; then close both. Returns which side ended it."""
    tasks = [asyncio.create_task(_websocket_to_tcp(ws, writer)),
             asyncio.create_task(_tcp_to_websocket(reader, ws))]
    reason = "bridge cancelled"
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finished = done.pop()
        error = finished.exception()
        reason = finished.result() if error is None else f"{type(error).__name__}: {error}"
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        if not ws.closed:
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=reason.encode()[:123])
    return reason
