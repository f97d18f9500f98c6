"""New-session latency: a cold browser container versus a local browser process, in one run.

    .venv/bin/python bench/docker_start.py [N]

All go through a real hub (`--provider docker` and `--provider local`), interleaved so machine
load hits them alike. The warm-pool hub keeps one started container with a default session
(``WARM_POOL_HUB_ARGS``); before each of its timed starts the bench waits, untimed, until the
pool has refilled, so every warm sample is served from the pool.
"""

from __future__ import annotations

import sys
import time

from _common import median_ms, percentile_ms, start_hub
from selenium import webdriver

from tests.support.hubs import RunningHub

# Flags that give the docker hub a warm pool; None leaves the warm case out.
WARM_POOL_HUB_ARGS: tuple[str, ...] | None = ("--warm-pool-size", "1",
                                              "--docker-max-sessions", "1")
WARM = "warm-pool container"
POOL_FILL_TIMEOUT = 180.0


def timed_start(url: str) -> float:
    began = time.perf_counter()
    driver = webdriver.Remote(url, options=webdriver.ChromeOptions())
    elapsed = time.perf_counter() - began
    driver.quit()
    return elapsed


def wait_for_pool(hub: RunningHub) -> None:
    """Untimed: the pool is full again after the previous start took from it."""
    deadline = time.monotonic() + POOL_FILL_TIMEOUT
    while True:
        pool = hub.request("GET", "/api/config/auto-scaling")[1]["pool"]
        if pool["size"] >= pool["target"]:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the warm pool did not refill within {POOL_FILL_TIMEOUT:g} s")
        time.sleep(0.2)


def main(count: int = 5) -> None:
    hubs = {
        "local process": start_hub("--browsers", "chrome", "--max-sessions", "1"),
        "cold container": start_hub("--provider", "docker", "--browsers", "chrome",
                                    "--docker-max-sessions", "1"),
    }
    if WARM_POOL_HUB_ARGS is not None:
        hubs[WARM] = start_hub("--provider", "docker", "--browsers", "chrome",
                                                *WARM_POOL_HUB_ARGS)
    samples: dict[str, list[float]] = {name: [] for name in hubs}
    try:
        for hub in hubs.values():  # one untimed start each: image and page cache
            timed_start(hub.url)
        for _ in range(count):
            for name, hub in hubs.items():
                if name == WARM:
                    wait_for_pool(hub)
                samples[name].append(timed_start(hub.url))
    finally:
        for hub in hubs.values():
            hub.stop()
    base = median_ms(samples["local process"])
    print(f"new chrome session through the hub x{count}")
    for name, values in samples.items():
        p50 = median_ms(values)
        print(f"  {name:20s} p50 {p50:6.0f} ms  p90 {percentile_ms(values, 0.9):6.0f} ms  "
              f"ratio to local {p50 / base:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
