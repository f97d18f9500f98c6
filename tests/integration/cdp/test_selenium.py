"""Selenium's DevTools and BiDi features through the hub, as they work against a local browser."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import trio
from playwright.sync_api import sync_playwright
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.integration.cdp.helpers import PAGE

pytestmark = pytest.mark.slow


@pytest.fixture
def chrome(shared_hub) -> Iterator[WebDriver]:
    driver = webdriver.Remote(shared_hub.url, options=webdriver.ChromeOptions())
    yield driver
    driver.quit()


def test_chrome_sessions_point_se_cdp_at_the_hub(shared_hub, chrome):
    ws = shared_hub.url.replace("http://", "ws://")
    assert chrome.caps["se:cdp"] == f"{ws}/session/{chrome.session_id}/se/cdp"
    assert chrome.caps["se:cdpVersion"] == chrome.caps["browserVersion"]


def test_execute_cdp_cmd(chrome):
    result = chrome.execute_cdp_cmd(
        "Runtime.evaluate", {"expression": "6 * 7", "returnByValue": True})
    assert result["result"]["value"] == 42


def test_bidi_connection_runs_devtools_commands_through_se_cdp(chrome):
    chrome.get(PAGE)

    async def title_over_devtools() -> str:
        async with chrome.bidi_connection() as connection:
            runtime = connection.devtools.runtime
            result, _ = await connection.session.execute(
                runtime.evaluate(expression="document.title", return_by_value=True))
            return result.value

    assert trio.run(title_over_devtools) == "hello"


def test_playwright_attaches_to_a_selenium_session_through_se_cdp(chrome):
    chrome.get(PAGE)
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(chrome.caps["se:cdp"], timeout=120_000)
        try:
            (page,) = browser.contexts[0].pages
            assert page.title() == "hello"
            page.evaluate("() => { document.title = 'set by playwright' }")
        finally:
            browser.close()
    assert chrome.title == "set by playwright"
    assert chrome.find_element(By.ID, "h").text == "hi"


@pytest.mark.parametrize("browser", ["chrome", "firefox"])
def test_bidi_console_messages_through_the_hub(shared_hub, firefox_available, browser):
    if browser == "firefox" and not firefox_available:
        pytest.fail("Firefox and geckodriver must be installed for this suite")
    options = webdriver.ChromeOptions() if browser == "chrome" else webdriver.FirefoxOptions()
    options.enable_bidi = True
    driver = webdriver.Remote(shared_hub.url + "/wd/hub", options=options)
    try:
        ws = shared_hub.url.replace("http://", "ws://")
        assert driver.caps["webSocketUrl"] == f"{ws}/session/{driver.session_id}"
        messages: list = []
        driver.script.add_console_message_handler(messages.append)
        driver.get("data:text/html,<script>console.log('hello from the page')</script>")
        deadline = time.monotonic() + 30
        while not messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m.text for m in messages] == ["hello from the page"]
    finally:
        driver.quit()
