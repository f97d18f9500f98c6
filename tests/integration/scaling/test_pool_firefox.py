"""The warm pool with real Firefox ESR, beyond what test_pool.py checks for both browsers: a
pooled Firefox answers as a cold one would and is recorded like one, and Chrome and Firefox each
keep their own profile."""

from __future__ import annotations

import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver

from tests.integration.media.conftest import wait_for_video
from tests.integration.scaling.conftest import pool_profile, pool_stats, wait_for
from tests.integration.scaling.pooled_browsers import firefox_of, firefoxes
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

# Differ between any two browsers, however they were started.
PER_BROWSER = {"moz:processID", "moz:profile"}


def _metrics(hub: RunningHub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(hub.url + "/metrics", timeout=30) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


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
    waiting = set(firefoxes(hub))
    warm = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    try:
        warm_caps = warm.capabilities
        assert firefox_of(warm, hub) in waiting
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
    waiting = set(firefoxes(hub))
    driver = webdriver.Remote(hub.url, options=webdriver.FirefoxOptions())
    try:
        assert firefox_of(driver, hub) in waiting
        video = driver.capabilities["tggrid:videoUrl"]
        driver.get("data:text/html,<title>filmed</title>")
    finally:
        driver.quit()
    assert wait_for_video(video)[0] == 200


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

    waiting = set(firefoxes(hub))
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
        assert firefox_of(driver, hub) in waiting
        assert pool_profile(hub, "firefox")["handedOut"] == 1
        chrome = pool_profile(hub, "chrome")
        assert (chrome["size"], chrome["handedOut"]) == (1, 0)
    finally:
        driver.quit()
