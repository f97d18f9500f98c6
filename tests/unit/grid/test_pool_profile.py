"""Which requests the warm pool serves unchanged: those that only restate defaults."""

from __future__ import annotations

import pytest
from selenium import webdriver

from hub.grid.pool import restates_defaults
from hub.w3c.capabilities import process_capabilities

STEREOTYPE = {"browserName": "chrome", "browserVersion": "156.0.8078.108",
              "platformName": "linux"}


def _as_sent(options: webdriver.ChromeOptions) -> dict[str, object]:
    caps = {k: (v.value if hasattr(v, "value") else v)
            for k, v in options.to_capabilities().items()}
    caps["se:remoteUrl"] = "http://127.0.0.1:4444"  # Selenium's Remote adds it
    (merged,) = process_capabilities({"capabilities": {"alwaysMatch": caps,
                                                       "firstMatch": [{}]}})
    return merged


def test_plain_selenium_chrome_options_are_the_pool_profile() -> None:
    assert restates_defaults(_as_sent(webdriver.ChromeOptions()), STEREOTYPE)


@pytest.mark.parametrize("caps", [
    {"browserName": "chrome"},
    {"browserName": "chromium", "browserVersion": "156", "platformName": "Linux"},
    {"browserName": "chrome", "browserVersion": "latest", "acceptInsecureCerts": False},
])
def test_restated_defaults_are_served(caps: dict[str, object]) -> None:
    assert restates_defaults(caps, STEREOTYPE)


@pytest.mark.parametrize("caps", [
    {"browserName": "chrome", "goog:chromeOptions": {"args": ["--window-size=800,600"]}},
    {"browserName": "chrome", "goog:chromeOptions": {"binary": "/opt/chrome"}},
    {"browserName": "chrome", "pageLoadStrategy": "eager"},
    {"browserName": "chrome", "browserVersion": "120"},
    {"browserName": "chrome", "acceptInsecureCerts": True},
    {"browserName": "chrome", "se:recordVideo": True},
    {"browserName": "chrome", "webSocketUrl": True},
    {"browserName": "firefox"},
])
def test_anything_more_starts_cold(caps: dict[str, object]) -> None:
    assert not restates_defaults(caps, STEREOTYPE)
