"""The warm pool with real Firefox ESR: a plain FirefoxOptions() session is handed a browser
that was already running and answers as a cold one would, a browser is never handed out twice,
one killed while it waited is replaced rather than handed out, and Chrome and Firefox each
keep their own profile."""

from __future__ import annotations

import urllib.request
from typing import Any

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver

from tests.integration.media.conftest import wait_for_video
from tests.integration.scaling.conftest import pool_profile, pool_stats, wait_for
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

# Differ between any two browsers, however they were started.
PER_BROWSER = {"moz:processID", "moz:profile"}


def _firefoxes(hub: RunningHub) -> dict[int, psutil.Process]:
    """The hub's Firefox main processes (the ones geckodriver launched) by pid."""
    found = {}
    for process in hub.descendants():
        try:
            cmdline = process.cmdline()
        except psutil.Error:
            continue
        if "firefox" in cmdline[0].rsplit("/", 1)[-1] and "--marionette" in cmdline:
            found[process.pid] = process
    return found


def _browser_of(driver: webdriver.Remote) -> int:
    return int(driver.capabilities["moz:processID"])


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _metrics(hub: RunningHub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(hub.url + "/metrics", timeout=30) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


@pytest.fixture
def pooled_hub(hub_factory: HubFactory) -> RunningHub:
    hub = hub_factory("--browsers", "firefox", "--warm-pool-size", "1", "--max-sessions", "2")
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    return hub


def test_plain_firefox_options_get_a_browser_that_was_already_running(
        pooled_hub: RunningHub) -> None:
    before = set(_firefoxes(pooled_hub))
    assert len(before) == 1
    driver = webdriver.Remote(pooled_hub.url, options=webdriver.FirefoxOptions())
    try:
        assert _browser_of(driver) in before
        assert driver.capabilities["acceptInsecureCerts"] is True
        driver.get("data:text/html,<title>warm</title>")
        assert driver.title == "warm"
        assert pool_profile(pooled_hub, "firefox")["handedOut"] == 1
    finally:
        driver.quit()


def test_a_pooled_firefox_answers_as_a_cold_one(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "firefox", "--max-sessions", "1")
    cold = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    cold_caps = cold.capabilities
    cold.quit()
    assert pool_stats(hub)["handedOut"] == 0

    status, body = hub.request("POST", "/api/config/auto-scaling",
                               {"minPoolSize": 1, "maxPoolSize": 1})
    assert status == 200, body
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    waiting = set(_firefoxes(hub))
    warm = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    try:
        warm_caps = warm.capabilities
        assert _browser_of(warm) in waiting
        assert pool_stats(hub)["handedOut"] == 1
    finally:
        warm.quit()

    def shared(caps: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in caps.items() if k not in PER_BROWSER}

    assert shared(warm_caps) == shared(cold_caps)
    assert warm_caps.keys() == cold_caps.keys()


def test_a_pooled_firefox_is_recorded_when_every_session_is(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "firefox", "--enable-recording", "--warm-pool-size", "1",
                      "--max-sessions", "1")
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    waiting = set(_firefoxes(hub))
    driver = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    try:
        assert _browser_of(driver) in waiting
        video = driver.capabilities["tggrid:videoUrl"]
        driver.get("data:text/html,<title>filmed</title>")
    finally:
        driver.quit()
    assert wait_for_video(video)[0] == 200


def test_a_pooled_firefox_is_never_handed_out_twice(pooled_hub: RunningHub) -> None:
    seen: list[int] = []
    for _ in range(2):
        wait_for(lambda: pool_stats(pooled_hub)["size"] == 1, what="the pool refilling")
        waiting = set(_firefoxes(pooled_hub))
        driver = webdriver.Remote(pooled_hub.url, options=webdriver.FirefoxOptions())
        try:
            pid = _browser_of(driver)
            assert pid in waiting
            seen.append(pid)
        finally:
            driver.quit()
        assert _gone(pid)
    assert seen[0] != seen[1]
    assert pool_stats(pooled_hub)["handedOut"] == 2


def test_a_pooled_firefox_killed_while_idle_is_replaced(pooled_hub: RunningHub) -> None:
    (victim,) = _firefoxes(pooled_hub).values()
    victim.kill()
    wait_for(lambda: (stats := pool_stats(pooled_hub))["replaced"] >= 1 and stats["size"] == 1,
             what="the dead browser replaced")
    fresh = set(_firefoxes(pooled_hub))
    assert victim.pid not in fresh
    driver = webdriver.Remote(pooled_hub.url, options=webdriver.FirefoxOptions())
    try:
        assert _browser_of(driver) in fresh
        driver.get("data:text/html,<title>alive</title>")
        assert driver.title == "alive"
    finally:
        driver.quit()


def test_each_browser_keeps_its_own_profile(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "chrome,firefox", "--warm-pool-size", "1",
                      "--max-sessions", "2")
    wait_for(lambda: pool_stats(hub)["size"] == 2, what="the pool filling")
    stats = pool_stats(hub)
    assert (stats["target"], stats["wanted"]) == (1, 2)
    metrics = _metrics(hub)
    assert metrics[("tggrid_pool_target", ())] == 2
    node = pool_profile(hub, "firefox")["node"]
    for browser in ("chrome", "firefox"):
        assert metrics[("tggrid_pool_idle", (("browser", browser), ("node", node)))] == 1

    waiting = set(_firefoxes(hub))
    bare = hub.request("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "firefox"}}}, timeout=120)[1]["value"]
    try:
        assert bare["capabilities"]["moz:processID"] not in waiting
        assert bare["capabilities"]["acceptInsecureCerts"] is False
        assert pool_profile(hub, "firefox")["handedOut"] == 0
    finally:
        hub.request("DELETE", f"/session/{bare['sessionId']}")

    driver = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    try:
        assert _browser_of(driver) in waiting
        assert pool_profile(hub, "firefox")["handedOut"] == 1
        chrome = pool_profile(hub, "chrome")
        assert (chrome["size"], chrome["handedOut"]) == (1, 0)
    finally:
        driver.quit()
