"""How the warm-pool tests find a hub's browser processes, for Chromium and Firefox alike:
which processes are browsers waiting in the pool, and which one serves a session."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import psutil
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

from tests.support.hubs import RunningHub


def _main_processes(hub: RunningHub, is_main: Callable[[str, list[str]], bool]
                    ) -> dict[int, psutil.Process]:
    """The hub's processes, by pid, whose (program name, argv) ``is_main`` accepts."""
    found = {}
    for process in hub.descendants():
        try:
            cmdline = process.cmdline()
        except psutil.Error:
            continue
        if cmdline and is_main(cmdline[0].rsplit("/", 1)[-1], cmdline):
            found[process.pid] = process
    return found


def chromiums(hub: RunningHub) -> dict[int, psutil.Process]:
    """The hub's Chromium main processes (not renderers, not drivers) by pid; a zygote
    rewrites its argv into one string, hence the joined line."""
    return _main_processes(hub, lambda name, argv: name in {"chromium", "chrome"}
                           and "--type=" not in " ".join(argv))


def firefoxes(hub: RunningHub) -> dict[int, psutil.Process]:
    """The hub's Firefox main processes (the ones geckodriver launched) by pid."""
    return _main_processes(hub, lambda name, argv: "firefox" in name and "--marionette" in argv)


def chromium_of(driver: webdriver.Remote, hub: RunningHub) -> int:
    """The pid of the Chromium serving a session: the one whose profile the session reports."""
    profile = driver.capabilities["chrome"]["userDataDir"]
    for pid, process in chromiums(hub).items():
        if f"--user-data-dir={profile}" in process.cmdline():
            return pid
    raise AssertionError(f"no browser with profile {profile}")


def firefox_of(driver: webdriver.Remote, hub: RunningHub) -> int:
    return int(driver.capabilities["moz:processID"])


@dataclasses.dataclass(frozen=True)
class PooledBrowser:
    name: str  # as `--browsers` takes it
    options: Callable[[], ArgOptions]  # what a plain client sends
    processes: Callable[[RunningHub], dict[int, psutil.Process]]
    serving: Callable[[webdriver.Remote, RunningHub], int]


CHROME = PooledBrowser("chrome", webdriver.ChromeOptions, chromiums, chromium_of)
FIREFOX = PooledBrowser("firefox", webdriver.FirefoxOptions, firefoxes, firefox_of)


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
