"""What the hub adds to every WebDriver command.

The same trivial command (Get Title) N times straight to a chromedriver and through the hub,
in one run, with Selenium's own client code both ways. Prints medians, the added milliseconds
and the ratio. Target: the hub adds <= 0.5 ms per command (ratio <= 1.10).

Both ways talk to the *same* browser session: the hub's session lives on a chromedriver its
local node started, and the direct calls go to that chromedriver's port with the same session
id. Calls alternate one by one (direct, hub, hub, direct, ...), so what differs between the
two columns is only the hub, not a second browser or a moment of background load.

``--auth`` runs the hub with ``auth = on`` (as a shared hub runs) and sends the commands with
an API token as HTTP Basic credentials, so the auth middleware's work is included.

    .venv/bin/python bench/command_overhead.py [N] [--auth]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
from _common import median_ms, percentile_ms, start_hub
from selenium import webdriver
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.command import Command
from selenium.webdriver.remote.remote_connection import RemoteConnection

from hub.peers.ids import KEY_LENGTH
from tests.support.hubs import RunningHub

EMAIL = "bench@example.com"


def tggrid(hub: RunningHub, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "hub", *args, "--data-dir", str(hub.data_dir)],
                          capture_output=True, text=True, check=True).stdout


def hub_client_config(hub: RunningHub) -> ClientConfig:
    """An admin with an API token on the hub's database, sent as HTTP Basic."""
    tggrid(hub, "user", "create", EMAIL, "--admin", "--password", "bench-password-1234")
    token = tggrid(hub, "token", "create", EMAIL, "--name", "bench").strip()
    return ClientConfig(remote_server_addr=hub.url, username=EMAIL, password=token)


def node_chromedriver(hub: RunningHub, session_id: str) -> str:
    """The URL of the chromedriver, among the hub's children, that holds ``session_id``."""
    for child in psutil.Process(hub.process.pid).children(recursive=True):
        if child.name() != "chromedriver":
            continue
        ports = [arg.split("=", 1)[1] for arg in child.cmdline() if arg.startswith("--port=")]
        for port in ports:
            url = f"http://127.0.0.1:{port}"
            try:
                with urllib.request.urlopen(f"{url}/session/{session_id}/url", timeout=5):
                    return url
            except (urllib.error.URLError, OSError):
                continue
    raise RuntimeError(f"no chromedriver of the hub holds session {session_id}")


def paired_rounds(direct: RemoteConnection, hub: RemoteConnection, session_id: str,
                  count: int, direct_id: str | None = None) -> tuple[list[float], list[float]]:
    """``count`` calls each way, in ABBA order so neither way always goes first;
    ``direct_id`` is the session's id on ``direct`` when it differs (the driver's id: the
    hub's ends with the hub's key)."""
    ids = {id(direct): direct_id or session_id, id(hub): session_id}
    for _ in range(100):  # warm both connection pools and the browser
        direct.execute(Command.GET_TITLE, {"sessionId": ids[id(direct)]})
        hub.execute(Command.GET_TITLE, {"sessionId": session_id})
    times: dict[int, list[float]] = {id(direct): [], id(hub): []}
    for index in range(count):
        order = (direct, hub) if index % 2 == 0 else (hub, direct)
        for connection in order:
            began = time.perf_counter()
            connection.execute(Command.GET_TITLE, {"sessionId": ids[id(connection)]})  # popped
            times[id(connection)].append(time.perf_counter() - began)
    return times[id(direct)], times[id(hub)]


def main(count: int = 2000, auth: bool = False) -> None:
    hub = start_hub("--browsers", "chrome", *(("--auth", "on") if auth else ()))
    try:
        config = hub_client_config(hub) if auth else None
        driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions(),
                                  client_config=config)
        try:
            driver.get("data:text/html,<title>bench</title>")
            driver_id = driver.session_id[:-KEY_LENGTH]  # the hub's id ends with its key
            direct_url = node_chromedriver(hub, driver_id)
            direct, through_hub = paired_rounds(
                RemoteConnection(client_config=ClientConfig(remote_server_addr=direct_url)),
                RemoteConnection(client_config=config or ClientConfig(
                    remote_server_addr=hub.url)),
                driver.session_id, count, direct_id=driver_id)
        finally:
            driver.quit()
    finally:
        hub.stop()
    d, h = median_ms(direct), median_ms(through_hub)
    added = statistics.median(b - a for a, b in zip(direct, through_hub, strict=True)) * 1000
    mode = " (auth on, HTTP Basic token)" if auth else ""
    print(f"get title x{count} each way, one session{mode}")
    print(f"  chromedriver direct: median {d:.3f} ms  p90 {percentile_ms(direct, 0.9):.3f} ms")
    print(f"  through the hub:     median {h:.3f} ms  p90 "
          f"{percentile_ms(through_hub, 0.9):.3f} ms")
    print(f"  added by the hub:    {h - d:+.3f} ms per command "
          f"(median of paired differences {added:+.3f} ms)")
    print(f"  ratio hub/direct:    {h / d:.3f}  (target <= 1.10, <= 0.5 ms added)")


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg != "--auth"]
    main(int(numbers[0]) if numbers else 2000, auth="--auth" in sys.argv[1:])
