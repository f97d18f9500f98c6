"""What recording a session costs: CPU and memory of a recorded session versus a headless one.

Starts one hub per capture path (``recording_capture = x11``: headed on Xvfb with a window
manager and ffmpeg's x11grab; ``screencast``: Chromium's DevTools screencast piped into ffmpeg,
headless), each a child process on a free loopback port, and in interleaved rounds runs the
same workload in a headless session and in a recorded one (``enableVideo``) on each path, for
two pages: a still one (what a browser shows between a test's commands) and one with a running
animation (the worst case for the encoder). Over a fixed window it sums, for the session's
whole process tree (every process the hub marked, found with psutil), the CPU seconds used and
the proportional memory (PSS, RSS where PSS is unreadable); the hub's own CPU is shown apart
(the screencast path decodes frames in it). Prints per page the means, the ratios
recorded/headless of each round (median and range: the machine is shared) and where the CPU
went per process name. Not a test: run it by hand or in CI as a report.

    .venv/bin/python bench/recording_cost.py [--rounds 3] [--seconds 10] [--resolution 1920x1080]
        [--captures x11,screencast]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import psutil
from selenium import webdriver

STILL = ("data:text/html,<h1>Sign in</h1><form><input placeholder=name><input type=password>"
         "<button>Go</button></form><p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p>")
ANIMATION = ("data:text/html,<style>@keyframes spin{to{transform:rotate(360deg)}}"
             "div{width:40vmin;height:40vmin;margin:20vmin auto;"
             "background:linear-gradient(red,blue);animation:spin 2s linear infinite}"
             "</style><div></div><p id=t></p>"
             "<script>setInterval(()=>t.textContent=Date.now(),50)</script>")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_hub(capture: str) -> Iterator[tuple[str, int]]:
    """A hub child process on a free port recording by ``capture``; yields its URL and pid."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tggrid-bench-") as data:
        hub = subprocess.Popen(
            [sys.executable, "-m", "hub", "hub", "--port", str(port), "--data-dir", data,
             "--max-sessions", "1", "--log-level", "warning", "--recording-capture", capture],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if hub.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the hub did not start (exit code {hub.returncode})")
                with contextlib.suppress(OSError), urllib.request.urlopen(
                        url + "/status", timeout=2):
                    break
                time.sleep(0.1)
            yield url, hub.pid
        finally:
            hub.terminate()
            hub.wait(60)


def session_tree(hub_pid: int) -> list[psutil.Process]:
    """Every process the hub started (they carry its pid in their environment) and their
    descendants (Chromium's zygote children do not keep the environment)."""
    found: dict[int, psutil.Process] = {}
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if process.environ().get("TGGRID_HUB_PID") == str(hub_pid):
                found[process.pid] = process
                found.update((child.pid, child) for child in process.children(recursive=True))
    return list(found.values())


def memory_of(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.AccessDenied, AttributeError):
        return process.memory_info().rss


def measure(url: str, hub_pid: int, page: str, recorded: bool, args: argparse.Namespace,
            by_name: dict[str, float]) -> tuple[float, float, float]:
    """(cores used, MiB) of one session's tree while it shows ``page``, and the cores the
    hub itself used; the cores each process name used are added to ``by_name``."""
    seconds = args.seconds
    options = webdriver.ChromeOptions()
    if recorded:
        video = {"enableVideo": True, "screenResolution": args.resolution}
        if args.frame_rate:
            video["videoFrameRate"] = args.frame_rate
        options.set_capability("tggrid:options", video)
    driver = webdriver.Remote(url, options=options)
    try:
        driver.get(page)
        time.sleep(2)  # let start-up work settle before the window opens
        before: dict[int, tuple[psutil.Process, float]] = {}
        memory: list[int] = []
        hub = psutil.Process(hub_pid)
        hub_before = sum(hub.cpu_times()[:2])
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            total = 0
            for process in session_tree(hub_pid):
                with contextlib.suppress(psutil.Error):
                    cpu = sum(process.cpu_times()[:2])
                    before.setdefault(process.pid, (process, cpu))
                    total += memory_of(process)
            memory.append(total)
            time.sleep(0.5)
        used = 0.0
        elapsed = time.monotonic() - began
        hub_used = (sum(hub.cpu_times()[:2]) - hub_before) / elapsed
        for process, start in before.values():
            with contextlib.suppress(psutil.Error):
                spent = sum(process.cpu_times()[:2]) - start
                used += spent
                by_name[process.name()] = by_name.get(process.name(), 0.0) + spent / elapsed
    finally:
        driver.quit()
    return used / elapsed, statistics.mean(memory) / 2**20, hub_used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--resolution", default="1920x1080")
    parser.add_argument("--frame-rate", type=int, default=0,
                        help="videoFrameRate of the recorded sessions (default: the hub's)")
    parser.add_argument("--captures", default="x11,screencast",
                        help="recording_capture values to compare, comma-separated")
    args = parser.parse_args()
    pages = {"still": STILL, "animated": ANIMATION}
    kinds = ["headless", *args.captures.split(",")]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {
        (name, kind): [] for name in pages for kind in kinds}
    where: dict[tuple[str, str], dict[str, float]] = {key: {} for key in results}
    with contextlib.ExitStack() as stack:
        hubs = {capture: stack.enter_context(running_hub(capture)) for capture in kinds[1:]}
        hubs["headless"] = hubs[kinds[1]]
        for _ in range(args.rounds):  # interleaved, so a busy spell hits every kind alike
            for name, page in pages.items():
                for kind in kinds:
                    url, hub_pid = hubs[kind]
                    results[name, kind].append(measure(
                        url, hub_pid, page, kind != "headless", args, where[name, kind]))
    for name in pages:
        base = results[name, "headless"]
        for kind in kinds:
            runs = results[name, kind]
            cpu = statistics.mean(r[0] for r in runs)
            mib = statistics.mean(r[1] for r in runs)
            hub = statistics.mean(r[2] for r in runs)
            label = "headless" if kind == "headless" else f"{kind} {args.resolution}"
            line = (f"{name:9} {label:26} cpu {cpu:6.3f} cores (hub {hub:5.3f})  "
                    f"memory {mib:7.1f} MiB")
            if kind != "headless":
                ratios = sorted(r[0] / b[0] for r, b in zip(runs, base, strict=True))
                with_hub = sorted((r[0] + r[2]) / (b[0] + b[2])
                                  for r, b in zip(runs, base, strict=True))
                line += (f"  ratio/headless {statistics.median(ratios):5.2f} x "
                         f"[{ratios[0]:.2f}-{ratios[-1]:.2f}], with the hub "
                         f"{statistics.median(with_hub):5.2f} x "
                         f"[{with_hub[0]:.2f}-{with_hub[-1]:.2f}]")
            print(line)
        for kind in kinds:
            spent = sorted(where[name, kind].items(), key=lambda item: -item[1])
            print(f"{'':9} where ({kind}): " + ", ".join(
                f"{process} {cores / args.rounds:.3f}" for process, cores in spent[:6]))
    print(f"({args.rounds} rounds of {args.seconds:g} s each, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
