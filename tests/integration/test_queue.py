"""More sessions than slots: the new-session queue in front of a one-slot node."""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import SessionNotCreatedException

CHROME = {"capabilities": {"alwaysMatch": {"browserName": "chrome"}}}


def queued(hub) -> list[dict]:
    return hub.request("GET", "/se/grid/newsessionqueue/queue")[1]["value"]


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def start_in_thread(hub, results: dict, key: str, body=CHROME) -> threading.Thread:
    def run() -> None:
        results[key] = hub.request("POST", "/session", body, timeout=120)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def one_slot_hub(hub_factory):
    return hub_factory("--max-sessions", "1", "--browsers", "chrome")


def test_extra_requests_wait_and_are_served_in_order(one_slot_hub):
    hub = one_slot_hub
    holder = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    results: dict = {}
    first = start_in_thread(hub, results, "first")
    wait_until(lambda: len(queued(hub)) == 1)
    second = start_in_thread(hub, results, "second")
    wait_until(lambda: len(queued(hub)) == 2)
    holder.quit()
    first.join(120)
    assert results["first"][0] == 200
    assert "second" not in results, "the second request jumped the queue"
    first_id = results["first"][1]["value"]["sessionId"]
    assert hub.request("DELETE", f"/session/{first_id}")[0] == 200
    second.join(120)
    assert results["second"][0] == 200
    hub.request("DELETE", f"/session/{results['second'][1]['value']['sessionId']}")


def test_queue_timeout_is_session_not_created(hub_factory):
    hub = hub_factory("--max-sessions", "1", "--browsers", "chrome",
                      "--session-request-timeout", "2")
    holder = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        status, body = hub.request("POST", "/session", CHROME)
        assert status == 500
        assert body["value"]["error"] == "session not created"
        assert "New session request timed out" in body["value"]["message"]
        assert queued(hub) == []
    finally:
        holder.quit()


def test_selenium_sees_the_timeout_as_session_not_created(hub_factory):
    hub = hub_factory("--max-sessions", "1", "--browsers", "chrome",
                      "--session-request-timeout", "2")
    holder = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        with pytest.raises(SessionNotCreatedException, match="timed out"):
            webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    finally:
        holder.quit()


def test_client_that_disconnects_while_queued_takes_no_slot(one_slot_hub):
    hub = one_slot_hub
    holder = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    request = urllib.request.Request(
        hub.url + "/session", data=b'{"capabilities": {}}', method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(TimeoutError):
        urllib.request.urlopen(request, timeout=2)
    wait_until(lambda: queued(hub) == [])
    holder.quit()
    # The slot is free for the next client at once, and nothing was started for the gone one.
    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        _, body = hub.request("GET", "/status")
        busy = [s for n in body["value"]["nodes"] for s in n["slots"] if s["session"]]
        assert [s["session"]["sessionId"] for s in busy] == [driver.session_id]
    finally:
        driver.quit()


def test_clearing_the_queue_fails_each_waiting_client(one_slot_hub):
    hub = one_slot_hub
    holder = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    results: dict = {}
    threads = [start_in_thread(hub, results, key) for key in ("a", "b")]
    wait_until(lambda: len(queued(hub)) == 2)
    status, body = hub.request("DELETE", "/se/grid/newsessionqueue/queue")
    assert status == 200
    assert body["value"]["value"] == 2
    for thread in threads:
        thread.join(30)
    for key in ("a", "b"):
        status, body = results[key]
        assert status == 500
        assert body["value"]["error"] == "session not created"
        assert "cleared" in body["value"]["message"]
    holder.quit()
