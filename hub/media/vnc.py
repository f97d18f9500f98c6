"""x11vnc per display, on a free loopback port: the hub's VNC bridge is its only client.

Bound to 127.0.0.1 with no password: nothing outside the machine can reach it, and the hub
checks who may watch before it bridges a websocket to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import socket
from pathlib import Path

from hub import processes
from hub.media.displays import Display, stop_process, tail

log = logging.getLogger(__name__)

START_TIMEOUT = 15.0
ATTEMPTS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VncError(Exception):
    """x11vnc could not be started."""


@dataclasses.dataclass
class VncServer:
    port: int
    process: asyncio.subprocess.Process
    tag: str

    @property
    def address(self) -> str:
        """Private ``host:port`` of the RFB server; only the hub's bridge uses it."""
        return f"127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await stop_process(self.process, self.tag, signal.SIGTERM)


async def read_banner(port: int) -> bytes:
    """The RFB ProtocolVersion line the server sends first, e.g. ``RFB 003.008\\n``."""
    async with asyncio.timeout(2):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(2):
            return await reader.readexactly(12)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def start_vnc(
    display: Display, *, hub_id: str, tag: str, log_dir: Path, binary: str = "x11vnc"
) -> VncServer:
    """x11vnc on ``display``, answering the RFB banner, or :class:`VncError`."""
    reason = ""
    for _ in range(ATTEMPTS):
        port = free_port()
        log_path = log_dir / f"x11vnc-{display.number}.log"
        process = await processes.spawn(
            [binary, "-display", display.name, "-rfbport", str(port), "-localhost", "-noipv6",
             "-nopw", "-forever", "-shared", "-norc", "-quiet", "-noxdamage"],
            hub_id=hub_id, session_tag=tag, log_path=str(log_path),
        )
        server = VncServer(port, process, tag)
        reason = await _wait_ready(server, log_path)
        if not reason:
            log.info("vnc.started display=%s port=%d", display.name, port)
            return server
        await server.stop()
    raise VncError(f"x11vnc did not start on {display.name}: {reason}")


async def _wait_ready(server: VncServer, log_path: Path) -> str:
    """Empty when the server speaks RFB; otherwise why not."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while loop.time() < deadline:
        if server.process.returncode is not None:
            return tail(log_path) or f"exited with code {server.process.returncode}"
        with contextlib.suppress(OSError, TimeoutError, asyncio.IncompleteReadError):
            if (await read_banner(server.port)).startswith(b"RFB "):
                return ""
        await asyncio.sleep(0.1)
    return f"no RFB banner within {START_TIMEOUT:g} s"

