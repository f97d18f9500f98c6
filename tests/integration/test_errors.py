"""Errors of the WebDriver surface that need a real browser or driver: W3C error objects with
the spec's HTTP status. Those that need none (bad JSON, invalid capabilities, unknown
sessions) are in tests/unit/w3c/test_routes.py, in the fast subset."""

from __future__ import annotations

import time

from selenium import webdriver


def test_ended_session_says_it_ended_and_why(shared_hub):
    driver = webdriver.Remote(shared_hub.url, options=webdriver.ChromeOptions())
    session_id = driver.session_id
    driver.quit()
    status, body = shared_hub.request("POST", f"/session/{session_id}/url",
                                      {"url": "about:blank"})
    assert status == 404
    assert body["value"]["error"] == "invalid session id"
    assert "ended: the client quit" in body["value"]["message"]
    assert shared_hub.request("DELETE", f"/session/{session_id}")[0] == 404


def test_unsatisfiable_capabilities_fail_at_once_naming_the_offer(shared_hub):
    # The queue timeout is the default 300 s; the client gives up after 30 s.
    status, body = shared_hub.request(
        "POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "safari"}}},
        timeout=30,
    )
    assert status == 500
    assert body["value"]["error"] == "session not created"
    message = body["value"]["message"]
    assert "safari" in message
    assert "This grid offers: chrome" in message
    status, body = shared_hub.request(
        "POST", "/session",
        {"capabilities": {"alwaysMatch": {"browserName": "chrome", "browserVersion": "1"}}},
        timeout=30,
    )
    assert status == 500
    assert "chrome 1" in body["value"]["message"]


def test_driver_start_failure_carries_the_drivers_message(shared_hub):
    caps = {"browserName": "chrome", "goog:chromeOptions": {"noSuchChromeOption": True}}
    status, body = shared_hub.request("POST", "/session",
                                      {"capabilities": {"alwaysMatch": caps}})
    # chromedriver's own refusal, with its own W3C code (as the driver alone would answer)
    assert status == 400
    assert body["value"]["error"] == "invalid argument"
    assert "noSuchChromeOption" in body["value"]["message"]
    _, status_body = shared_hub.request("GET", "/status")
    busy = [s for n in status_body["value"]["nodes"] for s in n["slots"] if s["session"]]
    assert busy == []


def test_unknown_command_and_unknown_method(shared_hub):
    status, body = shared_hub.request("GET", "/wd/hub/no/such/thing")
    assert status == 404
    assert body["value"]["error"] == "unknown command"
    status, body = shared_hub.request("PUT", "/status", {})
    assert status == 405
    assert body["value"]["error"] == "unknown method"


def test_idle_session_is_reaped_and_the_client_told_why(hub_factory):
    hub = hub_factory("--browsers", "chrome", "--session-timeout", "2",
                      "--reaper-interval", "0.5")
    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    session_id = driver.session_id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, body = hub.request("GET", "/status")
        if not [s for n in body["value"]["nodes"] for s in n["slots"] if s["session"]]:
            break
        time.sleep(0.5)
    status, body = hub.request("GET", f"/session/{session_id}/title")
    assert status == 404
    assert body["value"]["error"] == "invalid session id"
    assert "timed out after 2 s" in body["value"]["message"]
    assert not [p for p in hub.descendants() if "chrom" in p.name()]


def test_per_session_idle_timeout_overrides_the_default(hub_factory):
    hub = hub_factory("--browsers", "chrome", "--reaper-interval", "0.5")
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"idleTimeout": 1})
    driver = webdriver.Remote(hub.url, options=options)
    time.sleep(4)
    status, body = hub.request("GET", f"/session/{driver.session_id}/title")
    assert status == 404
    assert "timed out after 1 s" in body["value"]["message"]
