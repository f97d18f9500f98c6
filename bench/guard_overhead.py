"""What the request guard (hub/security/guard.py) adds to each WebDriver command, in process.

End to end, a command through the hub varies by milliseconds on a loaded machine, far more
than the guard could cost, so this measures the guard itself: the same mocked requests (a Get
Title with Selenium's headers, a Navigate To with its JSON body) handed to a trivial handler
directly and through the guard, alternating, in one run. Prints microseconds per call and the
difference. Target: well under 30 us (0.03 ms) added per command.

    .venv/bin/python bench/guard_overhead.py [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import make_mocked_request  # noqa: E402

from hub.config import Settings  # noqa: E402
from hub.security.guard import HostPolicy, make_guard  # noqa: E402

SELENIUM = {"Host": "127.0.0.1:4444", "User-Agent": "selenium/4.27.0 (python linux)",
            "Accept": "application/json", "Content-Type": "application/json;charset=UTF-8",
            "Connection": "keep-alive"}
OK = web.Response(text="ok")


async def handler(request: web.Request) -> web.StreamResponse:
    return OK


async def measure(n: int) -> None:
    guard = make_guard(HostPolicy.from_settings(Settings()))
    requests = [make_mocked_request("GET", "/session/abc/title", headers=SELENIUM),
                make_mocked_request("POST", "/session/abc/url", headers=SELENIUM)]
    direct: list[float] = []
    guarded: list[float] = []
    for index in range(n):
        request = requests[index % 2]
        for column, call in ((direct, lambda request=request: handler(request)),
                             (guarded, lambda request=request: guard(request, handler))):
            start = time.perf_counter_ns()
            await call()
            column.append(time.perf_counter_ns() - start)
    plain, checked = statistics.median(direct) / 1000, statistics.median(guarded) / 1000
    print(f"guard on a WebDriver command x{n}, alternating")
    print(f"  handler alone:   median {plain:.2f} us")
    print(f"  through guard:   median {checked:.2f} us")
    print(f"  added by guard:  {checked - plain:+.2f} us per command (target < 30 us)")


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20000))
