"""Selenium's own Remote client against the hub, on both / and /wd/hub."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

PAGE = (
    "data:text/html,<title>start</title>"
    "<button id='go' onclick=\"document.title='clicked'\">go</button>"
)


@pytest.mark.parametrize("prefix", ["", "/wd/hub"])
def test_chrome_session_through_the_hub(shared_hub, prefix):
    driver = webdriver.Remote(shared_hub.url + prefix, options=webdriver.ChromeOptions())
    try:
        assert driver.capabilities["browserName"] == "chrome"
        driver.get(PAGE)
        assert driver.title == "start"
        driver.find_element(By.ID, "go").click()
        assert driver.title == "clicked"
        assert driver.execute_script("return 6 * 7") == 42
        png = driver.get_screenshot_as_png()
        assert png.startswith(b"\x89PNG")
        driver.set_window_rect(width=900, height=700)
        rect = driver.get_window_rect()
        assert (rect["width"], rect["height"]) == (900, 700)
        session_id = driver.session_id
    finally:
        driver.quit()
    status, body = shared_hub.request("GET", f"/session/{session_id}/title")
    assert status == 404
    assert body["value"]["error"] == "invalid session id"


def test_firefox_session_through_the_hub(shared_hub, firefox_available):
    if not firefox_available:
        pytest.fail("Firefox and geckodriver must be installed for this suite")
    driver = webdriver.Remote(shared_hub.url + "/wd/hub", options=webdriver.FirefoxOptions())
    try:
        assert driver.capabilities["browserName"] == "firefox"
        driver.get(PAGE)
        driver.find_element(By.ID, "go").click()
        assert driver.title == "clicked"
        assert driver.get_screenshot_as_png().startswith(b"\x89PNG")
    finally:
        driver.quit()


def test_status_in_selenium_grid_shape(shared_hub):
    status, body = shared_hub.request("GET", "/status")
    assert status == 200
    value = body["value"]
    assert value["ready"] is True
    assert value["message"] == "Selenium Grid ready."
    node = value["nodes"][0]
    for key in ("id", "uri", "maxSessions", "availability", "slots", "sessionTimeout", "osInfo"):
        assert key in node
    assert node["availability"] == "UP"
    browsers = {slot["stereotype"]["browserName"] for slot in node["slots"]}
    assert "chrome" in browsers
    slot = node["slots"][0]
    assert set(slot["id"]) == {"hostId", "id"}


def test_status_lists_a_running_session_in_its_slot(shared_hub):
    driver = webdriver.Remote(shared_hub.url, options=webdriver.ChromeOptions())
    try:
        _, body = shared_hub.request("GET", "/wd/hub/status")
        sessions = [slot["session"] for node in body["value"]["nodes"]
                    for slot in node["slots"] if slot["session"]]
        assert [s["sessionId"] for s in sessions] == [driver.session_id]
        assert sessions[0]["capabilities"]["browserName"] == "chrome"
    finally:
        driver.quit()


def test_client_flags_are_kept_and_binary_injected_only_when_missing(shared_hub):
    options = webdriver.ChromeOptions()
    options.add_argument("--window-size=640,480")
    driver = webdriver.Remote(shared_hub.url, options=options)
    try:
        assert driver.execute_script("return window.outerWidth") == 640
    finally:
        driver.quit()
