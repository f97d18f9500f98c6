"""What the hub's CDP bridge adds to a DevTools round trip.

Starts a hub (a child process on a free loopback port), opens one Chromium session, and times
``Runtime.evaluate("1+1")`` over a raw websocket twice in the same run: straight to the
browser's DevTools (on a port the benchmark chose, since the hub never hands out a node's
address), and through the hub's ``se:cdp``. Rounds alternate between the two so machine noise
hits both alike. Prints the medians, the added milliseconds and the ratio.
Target: at most 0.3 ms added.

    .venv/bin/python bench/cdp_overhead.py [--iterations 400] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

TARGET_ADDED_MS = 0.3
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def running_hub(http: aiohttp.ClientSession) -> AsyncIterator[str]:
    """A hub child process on a free port, stopped (and its browsers with it) on exit."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tggrid-bench-") as data:
        hub = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub", "hub", "--port", str(port), "--data-dir", data,
            "--max-sessions", "1", "--log-level", "warning",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if hub.returncode is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the hub did not start (exit code {hub.returncode})")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(url + "/status") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
            yield url
        finally:
            if hub.returncode is None:
                hub.terminate()
            try:
                await asyncio.wait_for(hub.communicate(), 60)
            except TimeoutError:
                hub.kill()
                await hub.wait()


class Page:
    """A flat DevTools session on the first page target, over one websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.session_id: str | None = None

    async def call(self, method: str, params: dict | None = None) -> dict:
        message_id = next(self.ids)
        message: dict = {"id": message_id, "method": method, "params": params or {}}
        if self.session_id:
            message["sessionId"] = self.session_id
        await self.ws.send_json(message)
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    async def attach(self) -> None:
        targets = (await self.call("Target.getTargets"))["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        attached = await self.call("Target.attachToTarget",
                                   {"targetId": page["targetId"], "flatten": True})
        self.session_id = attached["sessionId"]

    async def time_evaluate(self, count: int) -> list[float]:
        timings = []
        for _ in range(count):
            began = time.perf_counter()
            result = await self.call("Runtime.evaluate", {"expression": "1+1"})
            timings.append((time.perf_counter() - began) * 1000)
            assert result["result"]["value"] == 2
        return timings


async def main(iterations: int, rounds: int) -> None:
    async with aiohttp.ClientSession() as http, running_hub(http) as hub:
        # The hub never hands out the browser's own DevTools address, so the benchmark
        # picks the port itself: chromedriver uses a --remote-debugging-port it is given.
        devtools_port = free_port()
        async with http.post(hub + "/session", json={"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": {
                    "args": [f"--remote-debugging-port={devtools_port}"]}}}}) as response:
            value = (await response.json())["value"]
        session_id, caps = value["sessionId"], value["capabilities"]
        try:
            async with http.get(f"http://127.0.0.1:{devtools_port}/json/version") as response:
                direct_url = (await response.json())["webSocketDebuggerUrl"]
            async with http.ws_connect(direct_url, max_msg_size=0) as direct_ws, \
                    http.ws_connect(caps["se:cdp"], max_msg_size=0) as hub_ws:
                direct, through = Page(direct_ws), Page(hub_ws)
                for page in (direct, through):
                    await page.attach()
                    await page.time_evaluate(100)  # warm up both paths
                samples: dict[str, list[float]] = {"direct": [], "hub": []}
                for _ in range(rounds):
                    samples["direct"] += await direct.time_evaluate(iterations)
                    samples["hub"] += await through.time_evaluate(iterations)
        finally:
            async with http.delete(f"{hub}/session/{session_id}") as response:
                await response.read()
    direct_ms = statistics.median(samples["direct"])
    hub_ms = statistics.median(samples["hub"])
    added = hub_ms - direct_ms
    print(f"Runtime.evaluate(\"1+1\") round trips: {rounds} x {iterations} per path "
          f"(cpus={os.cpu_count()})")
    print(f"  direct to DevTools   median {direct_ms:.3f} ms")
    print(f"  through the hub      median {hub_ms:.3f} ms")
    print(f"  added by the hub     {added:+.3f} ms  (target <= {TARGET_ADDED_MS} ms: "
          f"{'met' if added <= TARGET_ADDED_MS else 'MISSED'})")
    print(f"  ratio hub / direct   {hub_ms / direct_ms:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.iterations, arguments.rounds))
