"""Shared pieces of the benchmarks: a hub and a bare chromedriver started in this run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.nodes.local import CHROMIUM_FLAGS, free_port  # noqa: E402
from tests.support.hubs import RunningHub  # noqa: E402


def chrome_options(headless: bool = True) -> webdriver.ChromeOptions:
    """What the hub injects, set by hand for the direct baseline."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    if headless:
        options.add_argument("--headless=new")
    return options


class BareChromedriver:
    """chromedriver on a free port, as a client would run it without a grid."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            ["/usr/bin/chromedriver", f"--port={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_hub(*args: str) -> RunningHub:
    return RunningHub(Path(tempfile.mkdtemp(prefix="tggrid-bench-")), list(args), {})


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000
