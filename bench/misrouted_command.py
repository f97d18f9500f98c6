"""What a command costs when it reaches a hub other than its session's (a load balancer
without stickiness): the hub forwards it to the owner hub named in the session id.

Two hubs on one PostgreSQL (``TGGRID_TEST_POSTGRES_URL``, or a database URL as an argument),
one session on the first; the same trivial command (Get Title) N times to the owner and to
the other hub, the order alternating round by round, with Selenium's own client code. Prints
medians, the milliseconds the extra hop adds and the ratio. Target: <= 1 ms added.

    eval "$(scripts/services.sh)"; .venv/bin/python bench/misrouted_command.py [N] [DB_URL]
"""

from __future__ import annotations

import os
import statistics
import sys

from _common import median_ms, percentile_ms, start_hub
from command_overhead import interleaved_rounds
from selenium import webdriver
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection


def main(count: int, database_url: str) -> None:
    flags = ("--browsers", "chrome", "--database-url", database_url)
    owner, other = start_hub(*flags), start_hub(*flags)
    try:
        driver = webdriver.Remote(owner.url, options=webdriver.ChromeOptions())
        try:
            driver.get("data:text/html,<title>bench</title>")
            session = driver.session_id or ""
            right, misrouted = interleaved_rounds([
                (RemoteConnection(client_config=ClientConfig(remote_server_addr=owner.url)),
                 session),
                (RemoteConnection(client_config=ClientConfig(remote_server_addr=other.url)),
                 session)], count)
        finally:
            driver.quit()
    finally:
        other.stop()
        owner.stop()
    r, m = median_ms(right), median_ms(misrouted)
    added = statistics.median(b - a for a, b in zip(right, misrouted, strict=True)) * 1000
    print(f"get title x{count} each way, one session on the first of two hubs")
    print(f"  to the owner hub:    median {r:.3f} ms  p90 {percentile_ms(right, 0.9):.3f} ms")
    print(f"  to the other hub:    median {m:.3f} ms  p90 {percentile_ms(misrouted, 0.9):.3f} ms")
    print(f"  added by the hop:    {m - r:+.3f} ms per command "
          f"(median of paired differences {added:+.3f} ms)")
    print(f"  ratio other/owner:   {m / r:.3f}  (target <= 1 ms added)")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    numbers = [arg for arg in arguments if arg.isdigit()]
    urls = [arg for arg in arguments if not arg.isdigit()]
    url = urls[0] if urls else os.environ.get("TGGRID_TEST_POSTGRES_URL", "")
    if not url:
        sys.exit("needs a PostgreSQL URL: eval \"$(scripts/services.sh)\" first, or pass one")
    main(int(numbers[0]) if numbers else 2000, url)
