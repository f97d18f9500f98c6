"""New-session latency: a cold browser container versus a local browser process, in one run.

    .venv/bin/python bench/docker_start.py [N]

Both go through a real hub (`--provider docker` and `--provider local`), interleaved so machine
load hits both alike. The warm-pool column comes with issue 7: pass a hub started with the
pool's flags to ``WARM_POOL_HUB_ARGS`` below and it is measured and printed the same way.
"""

from __future__ import annotations

import sys
import time

from _common import median_ms, percentile_ms, start_hub
from selenium import webdriver

# Hook for issue 7: flags that give the docker hub a warm pool, e.g. ("--warm-pool", "2").
WARM_POOL_HUB_ARGS: tuple[str, ...] | None = None


def timed_start(url: str) -> float:
    began = time.perf_counter()
    driver = webdriver.Remote(url, options=webdriver.ChromeOptions())
    elapsed = time.perf_counter() - began
    driver.quit()
    return elapsed


def main(count: int = 5) -> None:
    hubs = {
        "local process": start_hub("--browsers", "chrome", "--max-sessions", "1"),
        "cold container": start_hub("--provider", "docker", "--browsers", "chrome",
                                    "--docker-max-sessions", "1"),
    }
    if WARM_POOL_HUB_ARGS is not None:
        hubs["warm-pool container"] = start_hub("--provider", "docker", "--browsers", "chrome",
                                                *WARM_POOL_HUB_ARGS)
    samples: dict[str, list[float]] = {name: [] for name in hubs}
    try:
        for hub in hubs.values():  # one untimed start each: image and page cache
            timed_start(hub.url)
        for _ in range(count):
            for name, hub in hubs.items():
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
