"""What the hub adds to every WebDriver command.

The same trivial command (Get Title) N times straight to a chromedriver and through the hub,
in one run, with Selenium's own client code both ways. Prints medians, the added milliseconds
and the ratio. Target: the hub adds <= 0.5 ms per command (ratio <= 1.10).

Both ways talk to the *same* browser session: the hub's session lives on a chromedriver its
local node started, and the direct calls go to that chromedriver's port with the same session
id. Calls alternate one by one (direct, hub, hub, direct, ...), so what differs between the
two columns is only the hub, not a second browser or a moment of background load.

The same run measures the session timeline (hub/timeline): a second hub with ``timeline =
off`` serves a second session, and its commands are interleaved with the others, so the
difference between the two hub columns is what recording the steps adds (target: <= 0.05 ms).

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


Way = tuple[RemoteConnection, str]


def interleaved_rounds(ways: list[Way], count: int) -> list[list[float]]:
    """``count`` calls each way, the order rotated every round so no way always goes first."""
    for _ in range(100):  # warm the connection pools and the browsers
        for connection, session_id in ways:
            connection.execute(Command.GET_TITLE, {"sessionId": session_id})
    times: list[list[float]] = [[] for _ in ways]
    for index in range(count):
        shift = index % len(ways)
        order = list(range(len(ways)))[shift:] + list(range(len(ways)))[:shift]
        if index // len(ways) % 2:
            order.reverse()
        for way in order:
            connection, session_id = ways[way]
            began = time.perf_counter()
            connection.execute(Command.GET_TITLE, {"sessionId": session_id})  # it pops the id
            times[way].append(time.perf_counter() - began)
    return times


def capture_cost(count: int = 200_000) -> tuple[float, float]:
    """(µs the command path spends handing one command to the timeline, µs the background
    thread spends summarising and storing it), in this process: the end-to-end columns
    above move by more than that between two runs on a busy machine."""
    import asyncio
    import tempfile
    import types
    from pathlib import Path

    from hub.timeline.masking import Masker
    from hub.timeline.recorder import Timeline
    from hub.timeline.store import StepStore

    session = types.SimpleNamespace(id="bench")
    answer = b'{"value":"bench"}'

    async def run() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as directory:
            timeline = Timeline(StepStore(Path(directory)), Masker())
            began = time.perf_counter()
            for _ in range(count):
                started = time.time()
                timeline.command(session, "GET", "/title", None, started, 200,  # type: ignore[arg-type]
                                 answer)
            hot = (time.perf_counter() - began) / count
            began = time.perf_counter()
            await timeline.flush()
            return hot * 1e6, (time.perf_counter() - began) / count * 1e6
    return asyncio.run(run())


def main(count: int = 2000, auth: bool = False) -> None:
    auth_args = ("--auth", "on") if auth else ()
    hub = start_hub("--browsers", "chrome", "--timeline", "on", *auth_args)
    plain = start_hub("--browsers", "chrome", "--timeline", "off", *auth_args)
    drivers: list[webdriver.Remote] = []
    try:
        configs = [hub_client_config(h) if auth else None for h in (hub, plain)]
        for running, config in zip((hub, plain), configs, strict=True):
            drivers.append(webdriver.Remote(running.url, options=webdriver.ChromeOptions(),
                                            client_config=config))
            drivers[-1].get("data:text/html,<title>bench</title>")
        driver_id = (drivers[0].session_id or "")[:-KEY_LENGTH]  # the hub's id ends with its key
        direct_url = node_chromedriver(hub, driver_id)
        ways: list[Way] = [
            (RemoteConnection(client_config=ClientConfig(remote_server_addr=direct_url)),
             driver_id)]
        for running, config, driver in zip((hub, plain), configs, drivers, strict=True):
            ways.append((RemoteConnection(client_config=config or ClientConfig(
                remote_server_addr=running.url)), driver.session_id or ""))
        direct, through_hub, timeline_off = interleaved_rounds(ways, count)
    finally:
        for driver in drivers:
            driver.quit()
        hub.stop()
        plain.stop()
    d, h, o = median_ms(direct), median_ms(through_hub), median_ms(timeline_off)
    added = statistics.median(b - a for a, b in zip(direct, through_hub, strict=True)) * 1000
    timeline = statistics.median(
        b - a for a, b in zip(timeline_off, through_hub, strict=True)) * 1000
    mode = " (auth on, HTTP Basic token)" if auth else ""
    print(f"get title x{count} each way, one session per hub{mode}")
    print(f"  chromedriver direct: median {d:.3f} ms  p90 {percentile_ms(direct, 0.9):.3f} ms")
    print(f"  through the hub:     median {h:.3f} ms  p90 "
          f"{percentile_ms(through_hub, 0.9):.3f} ms  (timeline on)")
    print(f"  hub, timeline off:   median {o:.3f} ms  p90 "
          f"{percentile_ms(timeline_off, 0.9):.3f} ms")
    print(f"  added by the hub:    {h - d:+.3f} ms per command "
          f"(median of paired differences {added:+.3f} ms)")
    print(f"  ratio hub/direct:    {h / d:.3f}  (target <= 1.10, <= 0.5 ms added)")
    print(f"  added by the timeline: {h - o:+.3f} ms per command (median of paired "
          f"differences {timeline:+.3f} ms; target <= 0.05 ms)")
    hot, background = capture_cost()
    print(f"  timeline on the command path: {hot:.2f} µs per command; summarised and stored "
          f"off it: {background:.2f} µs per command (in a worker thread)")


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg != "--auth"]
    main(int(numbers[0]) if numbers else 2000, auth="--auth" in sys.argv[1:])
