"""Playwright's connect_over_cdp against the hub's /cdp: a browser per websocket."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Playwright, sync_playwright

from tests.integration.cdp.helpers import (
    PAGE,
    pids,
    running_session_ids,
    wait_for,
    wait_until_gone,
)
from tests.support.hubs import RunningHub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def drive(pw: Playwright, hub: RunningHub, endpoint: str) -> tuple[str, set[int]]:
    """Navigate, evaluate, screenshot and close; returns the session and its processes."""
    before = pids(hub) | {hub.process.pid}
    sessions_before = running_session_ids(hub)
    browser = pw.chromium.connect_over_cdp(endpoint, timeout=120_000)
    try:
        (session_id,) = running_session_ids(hub) - sessions_before
        started = pids(hub) - before
        assert started, "the hub started no browser for the /cdp connection"
        context = browser.contexts[0]
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(PAGE)
        assert page.title() == "hello"
        assert page.evaluate("() => 6 * 7") == 42
        assert page.screenshot().startswith(b"\x89PNG")
    finally:
        browser.close()
    return session_id, started


def test_playwright_over_ws_cdp_gets_a_browser_that_dies_with_the_socket(shared_hub, pw):
    session_id, started = drive(pw, shared_hub, shared_hub.url.replace("http", "ws") + "/cdp")
    wait_until_gone(started)
    wait_for(lambda: session_id not in running_session_ids(shared_hub), "the slot to be freed")
    status, body = shared_hub.request("GET", f"/session/{session_id}/url")
    assert status == 404
    assert "the CDP client disconnected" in body["value"]["message"]


def test_playwright_over_http_cdp_follows_json_version_back_to_the_hub(shared_hub, pw):
    session_id, started = drive(pw, shared_hub, shared_hub.url + "/cdp?name=http-form")
    wait_until_gone(started)
    wait_for(lambda: session_id not in running_session_ids(shared_hub), "the slot to be freed")


@pytest.mark.parametrize("path", ["/cdp/json/version", "/cdp/json/version/"])
def test_json_version_points_at_the_hub_and_keeps_the_options(shared_hub, path):
    with urllib.request.urlopen(f"{shared_hub.url}{path}?enableVNC=false&token=t1") as response:
        info = json.loads(response.read())
    ws = shared_hub.url.replace("http://", "ws://")
    assert info["webSocketDebuggerUrl"] == f"{ws}/cdp?enableVNC=false&token=t1"
    assert info["Browser"].startswith("Chrome/")


def test_bad_options_are_refused_before_any_browser_starts(shared_hub, pw):
    before = pids(shared_hub)
    with pytest.raises(Exception, match="screenResolution"):
        pw.chromium.connect_over_cdp(
            shared_hub.url.replace("http", "ws") + "/cdp?screenResolution=huge", timeout=60_000)
    assert pids(shared_hub) <= before


KILLED_CLIENT = textwrap.dedent("""
    import sys, time
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(sys.argv[1], timeout=120_000)
        browser.contexts[0].pages[0].goto("data:text/html,<title>doomed</title>")
        print("ready", flush=True)
        time.sleep(600)
""")


def test_a_killed_playwright_client_ends_its_session(shared_hub):
    before = pids(shared_hub) | {shared_hub.process.pid}
    sessions_before = running_session_ids(shared_hub)
    client = subprocess.Popen(
        [sys.executable, "-c", KILLED_CLIENT, shared_hub.url.replace("http", "ws") + "/cdp"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "ready"
        (session_id,) = running_session_ids(shared_hub) - sessions_before
        started = pids(shared_hub) - before
        # Kill the whole client: Playwright's driver (node) is a child of the Python process.
        for child in psutil.Process(client.pid).children(recursive=True):
            child.kill()
        client.kill()
    finally:
        client.kill()
        client.wait(30)
        client.stdout.close()  # type: ignore[union-attr]
    wait_for(lambda: session_id not in running_session_ids(shared_hub),
             "the hub to end the session of the killed client")
    wait_until_gone(started)
