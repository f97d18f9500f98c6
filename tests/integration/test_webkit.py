"""WebKitGTK as the grid's third engine: Debian's WebKitWebDriver driving MiniBrowser on an
Xvfb of its own, through the hub as Selenium's clients use it, with VNC, video and the warm
pool like the other browsers."""

from __future__ import annotations

import psutil
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.integration.media.conftest import wait_for_video
from tests.integration.scaling.conftest import pool_profile, pool_stats, wait_for
from tests.support.drivers import exchange, installed
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

PAGE = ("data:text/html,<title>start</title>"
        "<button id='go' onclick=\"document.title='clicked'\">go</button>")


def minibrowsers(hub: RunningHub) -> set[int]:
    found = set()
    for process in hub.descendants():
        try:
            if process.name() == "MiniBrowser":
                found.add(process.pid)
        except psutil.Error:
            continue
    return found


def test_selenium_drives_webkit_through_the_hub(shared_hub):
    installed("webkit")
    driver = webdriver.Remote(shared_hub.url + "/wd/hub", options=webdriver.WebKitGTKOptions())
    try:
        assert driver.capabilities["browserName"] == "MiniBrowser"
        driver.get(PAGE)
        assert driver.title == "start"
        driver.find_element(By.ID, "go").click()
        assert driver.title == "clicked"
        assert driver.execute_script("return 6 * 7") == 42
        assert driver.get_screenshot_as_png().startswith(b"\x89PNG")
        assert "se:cdp" not in driver.capabilities  # WebKitGTK has no Chrome DevTools
    finally:
        driver.quit()


@pytest.mark.parametrize("name", ["webkit", "WebKit", "MiniBrowser", "webkitgtk"])
def test_webkit_answers_to_its_names(shared_hub, name):
    status, _, body = exchange(shared_hub.url, "POST", "/session", {"capabilities": {
        "alwaysMatch": {"browserName": name}}})
    assert status == 200, body
    exchange(shared_hub.url, "DELETE", f"/session/{body['value']['sessionId']}")


def test_bidi_is_refused_by_the_driver_as_it_would_be_directly(shared_hub):
    status, _, body = exchange(shared_hub.url, "POST", "/session", {"capabilities": {
        "alwaysMatch": {"browserName": "webkit", "webSocketUrl": True}}})
    assert (status, body["value"]["error"]) == (500, "session not created")
    assert "Failed to match capabilities" in body["value"]["message"]


def test_a_webkit_session_has_vnc_and_a_video(shared_hub):
    options = webdriver.WebKitGTKOptions()
    options.set_capability("tggrid:options", {"enableVNC": True, "enableVideo": True,
                                              "screenResolution": "1280x720"})
    driver = webdriver.Remote(shared_hub.url, options=options)
    try:
        assert driver.capabilities["se:vncEnabled"] is True
        assert driver.capabilities["se:vnc"].startswith("ws://127.0.0.1:")
        rect = driver.get_window_rect()
        assert (rect["width"], rect["height"]) == (1280, 720)
        driver.get(PAGE)
        video = driver.capabilities["tggrid:videoUrl"]
    finally:
        driver.quit()
    status, headers, body = wait_for_video(video)
    assert status == 200 and headers["Content-Type"] == "video/mp4"
    assert body[4:8] == b"ftyp"


def test_the_warm_pool_keeps_webkit_ready(hub_factory: HubFactory):
    hub = hub_factory("--browsers", "webkit", "--warm-pool-size", "1", "--max-sessions", "2")
    wait_for(lambda: pool_stats(hub)["size"] == 1, what="the pool filling")
    waiting = minibrowsers(hub)
    assert len(waiting) == 1
    driver = webdriver.Remote(hub.url, options=webdriver.WebKitGTKOptions())
    try:
        assert pool_profile(hub, "webkit")["handedOut"] == 1
        assert waiting <= minibrowsers(hub)
        driver.get(PAGE)
        assert driver.title == "start"
    finally:
        driver.quit()
    # A request the profile does not cover starts cold.
    status, _, body = exchange(hub.url, "POST", "/session", {"capabilities": {
        "alwaysMatch": {"browserName": "webkit"}}})
    assert status == 200, body
    exchange(hub.url, "DELETE", f"/session/{body['value']['sessionId']}")
    assert pool_profile(hub, "webkit")["handedOut"] == 1
