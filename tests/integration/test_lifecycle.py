"""Processes: a dying driver, a dying browser, and hub shutdown by signal or by crash."""

from __future__ import annotations

import signal
import time

import psutil
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException

from tests.integration.test_sessions_api import create, wait_for_row


def busy_slots(hub) -> list[dict]:
    _, body = hub.request("GET", "/status")
    return [s for n in body["value"]["nodes"] for s in n["slots"] if s["session"]]


def wait_for_free_slots(hub, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while busy_slots(hub) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert busy_slots(hub) == []


def named(hub, fragment: str) -> list[psutil.Process]:
    return [p for p in hub.descendants() if fragment in p.name()]


@pytest.fixture
def chrome_hub(hub_factory):
    return hub_factory("--browsers", "chrome", "--max-sessions", "1")


def test_killed_chromedriver_gives_a_w3c_error_and_frees_the_slot(chrome_hub):
    driver = webdriver.Remote(chrome_hub.url, options=webdriver.ChromeOptions())
    for process in named(chrome_hub, "chromedriver"):
        process.kill()
    status, body = chrome_hub.request("GET", f"/session/{driver.session_id}/title")
    assert status == 404
    assert body["value"]["error"] == "invalid session id"
    assert "ended" in body["value"]["message"]
    wait_for_free_slots(chrome_hub)
    deadline = time.monotonic() + 15
    while named(chrome_hub, "chrom") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert named(chrome_hub, "chrom") == [], "the browser outlived its dead driver"
    # The freed slot serves the next client.
    again = webdriver.Remote(chrome_hub.url, options=webdriver.ChromeOptions())
    again.get("data:text/html,<title>again</title>")
    assert again.title == "again"
    again.quit()


def test_killed_browser_ends_the_session(chrome_hub):
    driver = webdriver.Remote(chrome_hub.url, options=webdriver.ChromeOptions())
    browsers = [p for p in named(chrome_hub, "chromium") if "--type=" not in " ".join(
        p.cmdline())]
    assert browsers, "no browser process found"
    for process in browsers:
        process.kill()
    with pytest.raises(WebDriverException):
        for _ in range(20):
            driver.get("data:text/html,<title>x</title>")
            time.sleep(0.5)
    deadline = time.monotonic() + 30
    while busy_slots(chrome_hub) and time.monotonic() < deadline:
        chrome_hub.request("GET", f"/session/{driver.session_id}/title")
        time.sleep(0.5)
    assert busy_slots(chrome_hub) == []


def test_hub_prints_its_url_when_ready(chrome_hub):
    assert f"TGGrid hub ready at {chrome_hub.url}" in chrome_hub.log()


def test_each_browser_serves_one_session_then_its_tree_is_gone(chrome_hub):
    driver = webdriver.Remote(chrome_hub.url, options=webdriver.ChromeOptions())
    first_tree = {p.pid for p in chrome_hub.descendants()}
    assert any("chromium" in p.name() for p in chrome_hub.descendants())
    driver.quit()
    wait_for_free_slots(chrome_hub)
    assert chrome_hub.descendants() == []
    again = webdriver.Remote(chrome_hub.url, options=webdriver.ChromeOptions())
    try:
        assert not first_tree & {p.pid for p in chrome_hub.descendants()}
    finally:
        again.quit()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_ends_sessions_and_leaves_no_process(hub_factory, sig):
    hub = hub_factory("--browsers", "chrome,firefox", "--max-sessions", "2")
    chrome = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    chrome.get("data:text/html,<title>busy</title>")
    assert named(hub, "chromedriver")
    assert hub.stop(sig) == 0
    deadline = time.monotonic() + 10
    while hub.descendants() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hub.descendants() == []


def _sentinel(hub) -> psutil.Process:
    return next(p for p in psutil.Process(hub.process.pid).children()
                if "hub.sentinel" in p.cmdline())


def _killed_with_a_browser(hub_factory):
    crashed = hub_factory("--browsers", "chrome")
    driver = webdriver.Remote(crashed.url, options=webdriver.ChromeOptions())
    driver.get("data:text/html,<title>orphan</title>")
    assert named(crashed, "chrom")
    return crashed


def _wait_until_gone(hub, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while hub.descendants() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hub.descendants() == []


def test_a_hub_killed_outright_takes_its_browsers_along(hub_factory):
    """SIGKILL (or the OOM killer): the drivers die with the hub, and its sentinel kills the
    browsers under them at once, with no other hub started."""
    crashed = _killed_with_a_browser(hub_factory)
    sentinel = _sentinel(crashed)
    crashed.stop(signal.SIGKILL)
    _wait_until_gone(crashed)
    sentinel.wait(10)  # and then it is gone too


def test_a_new_hub_reaps_what_a_killed_hub_left(hub_factory):
    """Should the sentinel die with the hub too, the next hub to start kills the rest."""
    crashed = _killed_with_a_browser(hub_factory)
    _sentinel(crashed).kill()
    crashed.stop(signal.SIGKILL)
    assert named(crashed, "chrom"), "the browsers outlive a hub and its sentinel"
    hub_factory("--browsers", "chrome")
    _wait_until_gone(crashed)


def test_a_restarted_hub_fails_the_session_rows_its_killed_run_left(hub_factory):
    crashed = hub_factory("--browsers", "chrome", "--max-sessions", "1")
    session_id = create(crashed)["sessionId"]
    old_hub = wait_for_row(crashed, session_id, "running")["hubId"]
    crashed.stop(signal.SIGKILL)

    restarted = hub_factory("--browsers", "chrome", "--data-dir", str(crashed.data_dir))

    status, row = restarted.request("GET", f"/api/sessions/{session_id}")
    assert status == 200, row
    assert (row["state"], row["failed"]) == ("failed", True)
    assert row["endReason"] == f"hub {old_hub} stopped while the session ran"
