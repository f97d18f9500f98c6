"""The capability policy's rules, one capability at a time."""

from __future__ import annotations

import pytest

from hub.config import Settings
from hub.security.policy import CapabilityPolicy
from hub.w3c.errors import InvalidArgument

OFFERED = ["/usr/bin/chromium", "/usr/bin/chromedriver"]


def policy(**settings: object) -> CapabilityPolicy:
    return CapabilityPolicy(Settings(**settings), offered=lambda: OFFERED)


@pytest.mark.parametrize(("caps", "named"), [
    ({"goog:chromeOptions": {"args": ["--renderer-cmd-prefix=/bin/sh -c id"]}},
     "goog:chromeOptions.args"),
    ({"goog:chromeOptions": {"args": ["--UTILITY-CMD-PREFIX=x"]}}, "goog:chromeOptions.args"),
    ({"goog:chromeOptions": {"args": ["--browser-subprocess-path=/tmp/x"]}},
     "goog:chromeOptions.args"),
    ({"goog:chromeOptions": {"args": ["--user-data-dir=/root/.config/chromium"]}},
     "goog:chromeOptions.args"),
    ({"goog:chromeOptions": {"args": ["--disk-cache-dir=../../etc"]}}, "goog:chromeOptions.args"),
    ({"goog:chromeOptions": {"binary": "/bin/sh"}}, "goog:chromeOptions.binary"),
    ({"goog:chromeOptions": {"debuggerAddress": "127.0.0.1:9222"}},
     "goog:chromeOptions.debuggerAddress"),
    ({"goog:chromeOptions": {"prefs": {"download": {"default_directory": "/etc"}}}},
     "goog:chromeOptions.prefs"),
    ({"moz:firefoxOptions": {"args": ["-profile", "/root/.mozilla"]}}, "moz:firefoxOptions.args"),
    ({"moz:firefoxOptions": {"args": ["-remote-allow-system-access"]}},
     "moz:firefoxOptions.args"),
    ({"moz:firefoxOptions": {"prefs": {"network.protocol-handler.app.x": "/bin/sh"}}},
     "moz:firefoxOptions.prefs"),
    ({"moz:firefoxOptions": {"binary": "/tmp/firefox"}}, "moz:firefoxOptions.binary"),
    ({"tggrid:options": {"env": {"PATH": "/tmp"}}}, "tggrid:options.env"),
    ({"selenoid:options": {"env": ["LD_PRELOAD=/tmp/x.so"]}}, "selenoid:options.env"),
])
def test_refused_by_default_naming_the_capability(caps: dict, named: str) -> None:
    with pytest.raises(InvalidArgument, match=repr(named)):
        policy().check(caps)


@pytest.mark.parametrize("caps", [
    {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": ["--headless=new"]}},
    {"goog:chromeOptions": {"args": ["--user-data-dir=profile", "--window-size=800,600"]}},
    {"goog:chromeOptions": {"prefs": {"download.default_directory": "downloads"}}},
    {"moz:firefoxOptions": {"args": ["-headless"], "prefs": {"remote.active-protocols": 1}}},
    {"tggrid:options": {"name": "a test", "env": {}}},
])
def test_what_clients_usually_send_passes(caps: dict) -> None:
    policy().check(caps)


def test_admins_allow_more() -> None:
    relaxed = policy(allowed_binaries=["/opt/chrome"], allow_session_env=True,
                     allowed_browser_args=["--gpu-launcher", "download.default_directory"])
    relaxed.check({"goog:chromeOptions": {"binary": "/opt/chrome",
                                          "args": ["--gpu-launcher=valgrind"],
                                          "prefs": {"download.default_directory": "/srv"}},
                   "tggrid:options": {"env": {"LANG": "C"}}})
