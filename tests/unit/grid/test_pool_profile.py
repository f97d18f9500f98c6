"""Which requests the warm pool serves unchanged: exactly what its browsers were started with."""

from __future__ import annotations

import base64

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

from hub.grid.pool_profile import launch_capabilities, pooled, restates_defaults
from hub.w3c.capabilities import Capabilities, process_capabilities

CHROME = {"browserName": "chrome", "browserVersion": "156.0.8078.108", "platformName": "linux"}
FIREFOX = {"browserName": "firefox", "browserVersion": "153.7.0", "platformName": "linux"}
EMPTY_ZIP = base64.b64encode(b"PK\x05\x06" + bytes(18)).decode()  # a profile, as Selenium sends it


def _as_sent(options: ArgOptions) -> Capabilities:
    """What Selenium's Remote puts on the wire for ``options``, as the hub merges it."""
    caps = {k: (v.value if hasattr(v, "value") else v)
            for k, v in options.to_capabilities().items()}
    caps["se:remoteUrl"] = "http://127.0.0.1:4444"  # Selenium's Remote adds it
    (merged,) = process_capabilities({"capabilities": {"alwaysMatch": caps,
                                                       "firstMatch": [{}]}})
    return merged


def _firefox(**changes: object) -> Capabilities:
    """A plain FirefoxOptions() request with top-level capabilities changed (None: removed)."""
    caps = _as_sent(webdriver.FirefoxOptions())
    for key, value in changes.items():
        if value is None:
            caps.pop(key)
        else:
            caps[key] = value
    return caps


def test_plain_selenium_chrome_options_are_the_pool_profile() -> None:
    assert restates_defaults(_as_sent(webdriver.ChromeOptions()), CHROME)


def test_plain_selenium_firefox_options_are_the_pool_profile() -> None:
    assert restates_defaults(_as_sent(webdriver.FirefoxOptions()), FIREFOX)


@pytest.mark.parametrize("stereotype", [CHROME, FIREFOX])
def test_the_pool_serves_what_it_launches(stereotype: Capabilities) -> None:
    assert pooled(stereotype)
    assert restates_defaults(launch_capabilities(stereotype), stereotype)


def test_each_launch_is_a_fresh_copy() -> None:
    launch_capabilities(FIREFOX)["moz:firefoxOptions"]["prefs"]["remote.active-protocols"] = 3
    assert launch_capabilities(FIREFOX)["moz:firefoxOptions"] == {
        "prefs": {"remote.active-protocols": 1}}


@pytest.mark.parametrize("caps", [
    {"browserName": "chrome"},
    {"browserName": "chromium", "browserVersion": "156", "platformName": "Linux"},
    {"browserName": "chrome", "browserVersion": "latest", "acceptInsecureCerts": False},
    {"browserName": "chrome", "webSocketUrl": False, "se:name": "login test"},
])
def test_restated_chrome_defaults_are_served(caps: Capabilities) -> None:
    assert restates_defaults(caps, CHROME)


@pytest.mark.parametrize("caps", [
    _firefox(browserVersion="153"),
    _firefox(browserVersion="latest", platformName="linux"),
    _firefox(pageLoadStrategy=None),
    _firefox(webSocketUrl=False, **{"se:name": "checkout"}),
    _firefox(**{"moz:firefoxOptions": {"prefs": {"remote.active-protocols": 1}, "args": []}}),
])
def test_restated_firefox_defaults_are_served(caps: Capabilities) -> None:
    assert restates_defaults(caps, FIREFOX)


def _with_argument(options: ArgOptions, argument: str) -> ArgOptions:
    options.add_argument(argument)
    return options


def _with_preference(name: str, value: str | int | bool) -> webdriver.FirefoxOptions:
    options = webdriver.FirefoxOptions()
    options.set_preference(name, value)
    return options


def _with_bidi() -> webdriver.FirefoxOptions:
    options = webdriver.FirefoxOptions()
    options.enable_bidi = True
    return options


@pytest.mark.parametrize("caps", [
    _as_sent(_with_argument(webdriver.FirefoxOptions(), "-private")),
    _as_sent(_with_preference("intl.accept_languages", "de")),
    _as_sent(_with_preference("remote.active-protocols", 3)),
    _as_sent(_with_bidi()),
    _firefox(**{"moz:firefoxOptions": {"prefs": {"remote.active-protocols": 1},
                                       "profile": EMPTY_ZIP}}),
    _firefox(acceptInsecureCerts=False),
    _firefox(acceptInsecureCerts=None),
    _firefox(**{"moz:debuggerAddress": None}),
    _firefox(**{"moz:firefoxOptions": None}),
    _firefox(**{"moz:firefoxOptions": {"prefs": {"remote.active-protocols": True}}}),
    _firefox(**{"moz:firefoxOptions": {"prefs": {"remote.active-protocols": 1},
                                       "binary": "/opt/firefox/firefox"}}),
    _firefox(**{"moz:firefoxOptions": {"prefs": {"remote.active-protocols": 1},
                                       "log": {"level": "trace"}}}),
    _firefox(pageLoadStrategy="eager"),
    _firefox(browserVersion="115"),
    _firefox(unhandledPromptBehavior="accept"),
    _firefox(**{"se:recordVideo": True}),
    _firefox(**{"tggrid:options": {"enableVNC": True}}),
    _firefox(**{"selenoid:options": {"screenResolution": "1024x768"}}),
    {"browserName": "firefox"},
    {"browserName": "firefox", "acceptInsecureCerts": True},
    _firefox(browserName="chrome"),
])
def test_anything_else_starts_a_firefox_cold(caps: Capabilities) -> None:
    assert not restates_defaults(caps, FIREFOX)


@pytest.mark.parametrize("caps", [
    {"browserName": "chrome", "goog:chromeOptions": {"args": ["--window-size=800,600"]}},
    {"browserName": "chrome", "goog:chromeOptions": {"binary": "/opt/chrome"}},
    {"browserName": "chrome", "goog:chromeOptions": {"prefs": {}}},
    {"browserName": "chrome", "pageLoadStrategy": "eager"},
    {"browserName": "chrome", "browserVersion": "120"},
    {"browserName": "chrome", "acceptInsecureCerts": True},
    {"browserName": "chrome", "se:recordVideo": True},
    {"browserName": "chrome", "webSocketUrl": True},
    {"browserName": "firefox"},
    _as_sent(webdriver.FirefoxOptions()),
])
def test_anything_else_starts_a_chrome_cold(caps: Capabilities) -> None:
    assert not restates_defaults(caps, CHROME)


def test_browsers_without_a_launch_profile_are_never_pooled() -> None:
    edge = {"browserName": "MicrosoftEdge", "platformName": "linux"}
    assert not pooled(edge)
    assert not restates_defaults({"browserName": "MicrosoftEdge"}, edge)


WEBKIT = {"browserName": "webkit", "browserVersion": "2.50.6", "platformName": "linux"}


def test_plain_selenium_webkitgtk_options_are_the_webkit_profile() -> None:
    assert pooled(WEBKIT)
    assert restates_defaults(_as_sent(webdriver.WebKitGTKOptions()), WEBKIT)
    assert not restates_defaults({"browserName": "webkit"}, WEBKIT)
    assert launch_capabilities(WEBKIT) == {
        "browserName": "webkit", "webkitgtk:browserOptions": {"useOverlayScrollbars": True}}
