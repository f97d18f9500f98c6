"""New-session latency: through the hub versus chromedriver directly, in one run.

    .venv/bin/python bench/session_start.py [N]
"""

from __future__ import annotations

import sys
import time

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


def main(count: int = 10) -> None:
    bare = BareChromedriver()
    hub = start_hub("--browsers", "chrome")
    try:
        direct: list[float] = []
        cold: list[float] = []
        for _ in range(count):  # interleaved, so load hits both alike
            direct += timed_starts(bare.url, chrome_options, 1)
            cold += timed_starts(hub.url, webdriver.ChromeOptions, 1)
    finally:
        hub.stop()
        bare.stop()
    d, c = median_ms(direct), median_ms(cold)
    print(f"new session x{count}")
    print(f"  chromedriver direct (browser already behind a running driver): p50 {d:.0f} ms  "
          f"p90 {percentile_ms(direct, 0.9):.0f} ms")
    print(f"  hub, cold start (driver + browser launched per session):       p50 {c:.0f} ms  "
          f"p90 {percentile_ms(cold, 0.9):.0f} ms")
    print(f"  ratio hub cold / direct: {c / d:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
