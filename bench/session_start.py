"""New-session latency: the hub's warm pool, a cold start through the hub and chromedriver
directly, in one run (target: warm p50 <= 50 ms).

    .venv/bin/python bench/session_start.py [N]
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from _common import BareChromedriver, chrome_options, median_ms, percentile_ms, start_hub
from selenium import webdriver


def timed_starts(url: str, options_factory, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        driver = webdriver.Remote(url, options=options_factory())
        samples.append(time.perf_counter() - began)
        driver.quit()
    return samples


def wait_pool_full(url: str, timeout: float = 60) -> None:
    """Untimed: let the pool refill, so each warm sample measures a hand-over."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url + "/api/config/auto-scaling", timeout=10) as response:
            pool = json.loads(response.read())["pool"]
        if pool["size"] >= pool["target"]:
            return
        time.sleep(0.1)
    raise RuntimeError("the warm pool did not refill")


def main(count: int = 10) -> None:
    bare = BareChromedriver()
    hub = start_hub("--browsers", "chrome")
    warm_hub = start_hub("--browsers", "chrome", "--warm-pool-size", "1")
    try:
        direct: list[float] = []
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(count):  # interleaved, so load hits all alike
            direct += timed_starts(bare.url, chrome_options, 1)
            cold += timed_starts(hub.url, webdriver.ChromeOptions, 1)
            wait_pool_full(warm_hub.url)
            warm += timed_starts(warm_hub.url, webdriver.ChromeOptions, 1)
    finally:
        warm_hub.stop()
        hub.stop()
        bare.stop()
    w = median_ms(warm)
    d, c = median_ms(direct), median_ms(cold)
    print(f"new session x{count}")
    print(f"  chromedriver direct (browser already behind a running driver): p50 {d:.0f} ms  "
          f"p90 {percentile_ms(direct, 0.9):.0f} ms")
    print(f"  hub, cold start (driver + browser launched per session):       p50 {c:.0f} ms  "
          f"p90 {percentile_ms(cold, 0.9):.0f} ms")
    print(f"  hub, warm pool (browser started before the request):          p50 {w:.0f} ms  "
          f"p90 {percentile_ms(warm, 0.9):.0f} ms  (target p50 <= 50 ms)")
    print(f"  ratio hub cold / direct: {c / d:.2f}")
    print(f"  ratio hub warm / direct: {w / d:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
