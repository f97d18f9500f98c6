"""The warm pool with real Chromium and real Firefox ESR: a session from a plain
ChromeOptions() or FirefoxOptions() is handed a browser that was already running, a browser is
never handed out twice, one killed while it waited is replaced rather than handed out, and
capabilities the pool's profile does not cover start cold."""

from __future__ import annotations

import pytest
from selenium import webdriver

from tests.integration.scaling.conftest import pool_profile, pool_stats, wait_for
from tests.integration.scaling.pooled_browsers import CHROME, FIREFOX, PooledBrowser, gone
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub


@pytest.fixture(params=[CHROME, FIREFOX], ids=["chrome", "firefox"])
def kind(request: pytest.FixtureRequest) -> PooledBrowser:
    return request.param


@pytest.fixture
def pooled_hub(hub_factory: HubFactory, kind: PooledBrowser) -> RunningHub:
    hub = hub_factory("--browsers", kind.name, "--warm-pool-size", "1", "--max-sessions", "2")
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    return hub


def test_a_plain_session_gets_a_browser_that_was_already_running(
        pooled_hub: RunningHub, kind: PooledBrowser) -> None:
    before = set(kind.processes(pooled_hub))
    assert len(before) == 1
    driver = webdriver.Remote(pooled_hub.url, options=kind.options())
    try:
        assert kind.serving(driver, pooled_hub) in before
        driver.get("data:text/html,<title>warm</title>")
        assert driver.title == "warm"
        assert pool_profile(pooled_hub, kind.name)["handedOut"] == 1
    finally:
        driver.quit()


def test_a_pooled_browser_is_never_handed_out_twice(
        pooled_hub: RunningHub, kind: PooledBrowser) -> None:
    seen: list[int] = []
    for _ in range(2):
        wait_for(lambda: pool_stats(pooled_hub)["size"] == 1, what="the pool refilling")
        waiting = set(kind.processes(pooled_hub))
        driver = webdriver.Remote(pooled_hub.url, options=kind.options())
        try:
            pid = kind.serving(driver, pooled_hub)
            assert pid in waiting
            seen.append(pid)
        finally:
            driver.quit()
        assert gone(pid)
    assert seen[0] != seen[1]
    assert pool_stats(pooled_hub)["handedOut"] == 2


def test_a_pooled_browser_killed_while_idle_is_replaced(
        pooled_hub: RunningHub, kind: PooledBrowser) -> None:
    (victim,) = kind.processes(pooled_hub).values()
    victim.kill()
    wait_for(lambda: (stats := pool_stats(pooled_hub))["replaced"] >= 1 and stats["size"] == 1,
             what="the dead browser replaced")
    fresh = set(kind.processes(pooled_hub))
    assert victim.pid not in fresh
    driver = webdriver.Remote(pooled_hub.url, options=kind.options())
    try:
        assert kind.serving(driver, pooled_hub) in fresh
        driver.get("data:text/html,<title>alive</title>")
        assert driver.title == "alive"
    finally:
        driver.quit()


@pytest.mark.parametrize("kind", [CHROME], ids=["chrome"])
def test_other_capabilities_start_cold_and_leave_the_pool_alone(
        pooled_hub: RunningHub, kind: PooledBrowser) -> None:
    waiting = set(kind.processes(pooled_hub))
    options = kind.options()
    options.add_argument("--window-size=800,600")
    driver = webdriver.Remote(pooled_hub.url, options=options)
    try:
        assert kind.serving(driver, pooled_hub) not in waiting
        assert pool_stats(pooled_hub)["handedOut"] == 0
    finally:
        driver.quit()
