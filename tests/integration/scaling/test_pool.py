"""The warm pool with real Chromium: a plain ChromeOptions() session is handed a browser that
was already running, a browser is never handed out twice, and one killed while it waited is
replaced rather than handed out."""

from __future__ import annotations

import psutil
import pytest
from selenium import webdriver

from tests.integration.scaling.conftest import pool_stats, wait_for
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub


def _browsers(hub: RunningHub) -> dict[int, psutil.Process]:
    """The hub's Chromium main processes (not renderers, not drivers) by pid."""
    found = {}
    for process in hub.descendants():
        try:
            cmdline = process.cmdline()
        except psutil.Error:
            continue
        line = " ".join(cmdline)  # a zygote rewrites its argv into one string
        name = cmdline[0].rsplit("/", 1)[-1] if cmdline else ""
        if name in {"chromium", "chrome"} and "--type=" not in line:
            found[process.pid] = process
    return found


def _browser_of(driver: webdriver.Remote, hub: RunningHub) -> int:
    """The pid of the Chromium serving a session: the one whose profile the session reports."""
    profile = driver.capabilities["chrome"]["userDataDir"]
    for pid, process in _browsers(hub).items():
        if f"--user-data-dir={profile}" in process.cmdline():
            return pid
    raise AssertionError(f"no browser with profile {profile}")


@pytest.fixture
def pooled_hub(hub_factory: HubFactory) -> RunningHub:
    hub = hub_factory("--browsers", "chrome", "--warm-pool-size", "1", "--max-sessions", "2")
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    return hub


def test_pooled_session_starts_without_a_browser_launch(pooled_hub: RunningHub) -> None:
    before = set(_browsers(pooled_hub))
    assert len(before) == 1
    driver = webdriver.Remote(pooled_hub.url, options=webdriver.ChromeOptions())
    try:
        assert _browser_of(driver, pooled_hub) in before
        driver.get("data:text/html,<title>warm</title>")
        assert driver.title == "warm"
        assert pool_stats(pooled_hub)["handedOut"] == 1
    finally:
        driver.quit()


def test_a_pooled_browser_is_never_handed_out_twice(pooled_hub: RunningHub) -> None:
    seen: list[int] = []
    for _ in range(2):
        wait_for(lambda: pool_stats(pooled_hub)["size"] == 1, what="the pool refilling")
        waiting = set(_browsers(pooled_hub))
        driver = webdriver.Remote(pooled_hub.url, options=webdriver.ChromeOptions())
        try:
            pid = _browser_of(driver, pooled_hub)
            assert pid in waiting
            seen.append(pid)
        finally:
            driver.quit()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert seen[0] != seen[1]
    assert pool_stats(pooled_hub)["handedOut"] == 2


def test_other_capabilities_start_cold_and_leave_the_pool_alone(
        pooled_hub: RunningHub) -> None:
    waiting = set(_browsers(pooled_hub))
    options = webdriver.ChromeOptions()
    options.add_argument("--window-size=800,600")
    driver = webdriver.Remote(pooled_hub.url, options=options)
    try:
        assert _browser_of(driver, pooled_hub) not in waiting
        assert pool_stats(pooled_hub)["handedOut"] == 0
    finally:
        driver.quit()


def test_a_pooled_browser_killed_while_idle_is_replaced(pooled_hub: RunningHub) -> None:
    (victim,) = _browsers(pooled_hub).values()
    victim.kill()
    wait_for(lambda: (stats := pool_stats(pooled_hub))["replaced"] >= 1 and stats["size"] == 1,
             what="the dead browser replaced")
    fresh = set(_browsers(pooled_hub))
    assert victim.pid not in fresh
    driver = webdriver.Remote(pooled_hub.url, options=webdriver.ChromeOptions())
    try:
        assert _browser_of(driver, pooled_hub) in fresh
        driver.get("data:text/html,<title>alive</title>")
        assert driver.title == "alive"
    finally:
        driver.quit()
