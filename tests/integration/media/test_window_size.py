"""A headed session's browser window fills the screen that VNC shows and ffmpeg records."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.remote.client_config import ClientConfig

from tests.integration.media.conftest import HEIGHT, WIDTH, quit_quietly
from tests.support.hubs import RunningHub


def browser_options(browser: str, **tggrid: object) -> webdriver.ChromeOptions:
    options = webdriver.FirefoxOptions() if browser == "firefox" else webdriver.ChromeOptions()
    options.set_capability("tggrid:options",
                           {"screenResolution": f"{WIDTH}x{HEIGHT}x24", **tggrid})
    return options


@pytest.mark.parametrize(("browser", "screen"), [("chrome", "enableVNC"),
                                                 ("firefox", "enableVNC"),
                                                 ("firefox", "enableVideo")])
def test_the_window_fills_the_screen(media_hub: RunningHub, firefox_available: bool,
                                     browser: str, screen: str) -> None:
    if browser == "firefox" and not firefox_available:
        pytest.skip("Firefox is not installed here")
    config = ClientConfig(remote_server_addr=media_hub.url, timeout=120)
    driver = webdriver.Remote(command_executor=media_hub.url,
                              options=browser_options(browser, **{screen: True}),
                              client_config=config)
    try:
        assert driver.execute_script("return [screen.width, screen.height]") == [WIDTH, HEIGHT]
        assert driver.get_window_rect() == {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT}
    finally:
        quit_quietly(driver)
