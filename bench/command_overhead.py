"""What the hub adds to every WebDriver command.

The same trivial command (Get Title) N times straight to a chromedriver and through the hub,
in one run, with Selenium's own client both ways. Prints medians, the added milliseconds and
the ratio. Target: the hub adds <= 0.5 ms per command (ratio <= 1.10).

    .venv/bin/python bench/command_overhead.py [N]
"""

from __future__ import annotations

import sys
import time

from _common import BareChromedriver, chrome_options, median_ms, percentile_ms, start_hub
from selenium import webdriver


def measure(driver: webdriver.Remote, count: int) -> list[float]:
    driver.get("data:text/html,<title>bench</title>")
    for _ in range(50):
        driver.title  # noqa: B018 - warm the connection pools
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        driver.title  # noqa: B018
        samples.append(time.perf_counter() - began)
    return samples


def main(count: int = 1000) -> None:
    bare = BareChromedriver()
    hub = start_hub("--browsers", "chrome")
    try:
        direct = webdriver.Remote(bare.url, options=chrome_options())
        proxied = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
        try:
            rounds = {"direct": [], "hub": []}
            for _ in range(5):  # interleave so background load hits both alike
                rounds["direct"] += measure(direct, count // 5)
                rounds["hub"] += measure(proxied, count // 5)
        finally:
            direct.quit()
            proxied.quit()
    finally:
        hub.stop()
        bare.stop()
    d, h = median_ms(rounds["direct"]), median_ms(rounds["hub"])
    print(f"get title x{count}")
    print(f"  chromedriver direct: median {d:.3f} ms  p90 "
          f"{percentile_ms(rounds['direct'], 0.9):.3f} ms")
    print(f"  through the hub:     median {h:.3f} ms  p90 "
          f"{percentile_ms(rounds['hub'], 0.9):.3f} ms")
    print(f"  added by the hub:    {h - d:+.3f} ms per command")
    print(f"  ratio hub/direct:    {h / d:.3f}  (target <= 1.10, <= 0.5 ms added)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
