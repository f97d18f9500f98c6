"""Commands per second the hub sustains over many concurrent sessions, and its memory at 100.

The target is a relay node in front of a tiny WebDriver stub (a few lines of aiohttp that
answer at once), so the hub's own cost is what is measured; the same load sent to the stub
directly is the baseline of the same run.

    .venv/bin/python bench/hub_throughput.py [SESSIONS] [SECONDS]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import aiohttp
import psutil
from _common import start_hub
from aiohttp import web

from hub.nodes.local import free_port


def stub_app() -> web.Application:
    """Just enough WebDriver: new session, a command, delete, status."""

    async def new_session(request: web.Request) -> web.Response:
        return web.json_response({"value": {"sessionId": uuid.uuid4().hex,
                                            "capabilities": {"browserName": "chrome"}}})

    async def command(request: web.Request) -> web.Response:
        return web.json_response({"value": "about:blank"})

    async def delete(request: web.Request) -> web.Response:
        return web.json_response({"value": None})

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"value": {"ready": True, "message": "stub"}})

    app = web.Application()
    app.router.add_post("/session", new_session)
    app.router.add_get("/session/{id}/url", command)
    app.router.add_delete("/session/{id}", delete)
    app.router.add_get("/status", status)
    return app


async def hammer(base: str, session_ids: list[str], seconds: float) -> int:
    """One client loop per session, each sending commands back to back; returns the count."""
    done = 0
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as client:
        async def loop(session_id: str) -> None:
            nonlocal done
            while time.monotonic() < stop_at:
                async with client.get(f"{base}/session/{session_id}/url") as response:
                    await response.read()
                    assert response.status == 200, response.status
                done += 1

        await asyncio.gather(*(loop(s) for s in session_ids))
    return done


async def open_sessions(base: str, count: int) -> list[str]:
    async with aiohttp.ClientSession() as client:
        ids = []
        for _ in range(count):
            async with client.post(f"{base}/session", json={"capabilities": {
                    "alwaysMatch": {"browserName": "chrome"}}}) as response:
                ids.append((await response.json())["value"]["sessionId"])
        return ids


def main(sessions: int = 100, seconds: float = 10.0) -> None:
    port = free_port()
    stub = subprocess.Popen([sys.executable, __file__, "--stub", str(port)])
    stub_url = f"http://127.0.0.1:{port}"
    hub = start_hub("--browsers", "firefox", "--max-sessions", "1")
    try:
        time.sleep(1)
        status, body = hub.request("POST", "/api/nodes", {"id": "stub", "url": stub_url,
                                                         "maxSessions": sessions})
        assert status == 201, body
        process = psutil.Process(hub.process.pid)
        idle_rss = process.memory_info().rss
        hub_ids = asyncio.run(open_sessions(hub.url, sessions))
        loaded_rss = process.memory_info().rss
        direct_ids = asyncio.run(open_sessions(stub_url, sessions))
        direct = asyncio.run(hammer(stub_url, direct_ids, seconds)) / seconds
        through = asyncio.run(hammer(hub.url, hub_ids, seconds)) / seconds
    finally:
        hub.stop()
        stub.terminate()
        stub.wait(10)
    print(f"{sessions} concurrent sessions, {seconds:g} s each run")
    print(f"  stub directly:      {direct:8.0f} commands/s")
    print(f"  through the hub:    {through:8.0f} commands/s")
    print(f"  ratio hub / direct: {through / direct:.2f}")
    print(f"  hub memory: idle {idle_rss / 2**20:.0f} MiB, with {sessions} sessions "
          f"{loaded_rss / 2**20:.0f} MiB "
          f"({(loaded_rss - idle_rss) / 2**10 / sessions:.0f} KiB per session)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--stub":
        web.run_app(stub_app(), host="127.0.0.1", port=int(sys.argv[2]), print=None)
    else:
        args = sys.argv[1:]
        main(int(args[0]) if args else 100, float(args[1]) if len(args) > 1 else 10.0)
