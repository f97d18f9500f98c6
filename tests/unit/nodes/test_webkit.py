"""WebKitGTK on the local node: found where Debian puts it, named as clients name it, and
started with what WebKitWebDriver needs."""

from __future__ import annotations

from hub.grid.matching import matches
from hub.nodes.browsers import BrowserInstall, detect_webkit
from hub.nodes.local import webkit_capabilities

INSTALL = BrowserInstall("webkit", "/usr/lib/x/webkit2gtk-4.1/MiniBrowser",
                         "/usr/bin/WebKitWebDriver", "2.50.6")


def test_debians_webkit2gtk_driver_is_found_with_its_version():
    found = detect_webkit()
    assert found is not None, "scripts/setup.sh installs webkit2gtk-driver"
    assert found.name == "webkit" and found.needs_display
    assert found.browser_binary.endswith("/MiniBrowser")
    assert found.version.count(".") == 2 and found.version[0].isdigit()


def test_missing_binaries_mean_no_webkit(tmp_path):
    assert detect_webkit(str(tmp_path / "MiniBrowser"), str(tmp_path / "driver")) is None


def test_webkit_answers_to_the_names_its_driver_and_selenium_use():
    for name in ("webkit", "WebKit", "MiniBrowser", "webkitgtk"):
        assert matches(INSTALL.stereotype, {"browserName": name})
    assert not matches(INSTALL.stereotype, {"browserName": "safari"})


def test_the_driver_gets_minibrowser_in_automation_and_no_other_vendors_options():
    sent = webkit_capabilities({
        "browserName": "webkit", "goog:chromeOptions": {"args": []}, "moz:firefoxOptions": {},
        "pageLoadStrategy": "eager"}, INSTALL)
    assert sent == {"pageLoadStrategy": "eager", "webkitgtk:browserOptions": {
        "binary": INSTALL.browser_binary, "args": ["--automation"]}}


def test_a_clients_own_binary_is_kept():
    own = {"webkitgtk:browserOptions": {"binary": "/opt/epiphany", "args": []}}
    assert webkit_capabilities(own, INSTALL) == own
