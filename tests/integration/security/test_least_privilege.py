"""A hub running as root never runs a browser as root."""

from __future__ import annotations

import os

import pytest
from selenium import webdriver

from hub.security.privileges import browser_user, sandbox_works
from tests.support.fixtures import HubFactory

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only a hub running as root drops "
                                "privileges (CI runs as root)")


def test_drivers_and_browsers_run_unprivileged_with_the_sandbox(hub_factory: HubFactory) -> None:
    user = browser_user("tggrid-browser")
    assert user is not None, "scripts/setup.sh creates the user tggrid-browser"
    hub = hub_factory("--max-sessions", "1", "--browsers", "chrome,firefox")
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"enableVNC": True, "enableVideo": True})
    for wanted in (options, webdriver.FirefoxOptions()):
        driver = webdriver.Remote(f"{hub.url}/wd/hub", options=wanted)
        try:
            driver.get("data:text/html,<title>unprivileged</title>")
            assert driver.title == "unprivileged"
            browsers = [p for p in hub.descendants()
                        if any(name in p.name() for name in ("chrom", "firefox", "gecko"))]
            assert browsers
            assert {p.uids().real for p in browsers} == {user.uid}
            if wanted is options:
                assert any("--no-sandbox" in p.cmdline() for p in browsers) != sandbox_works(user)
        finally:
            driver.quit()
    status, listed = hub.request("GET", "/api/recordings")
    assert status == 200 and listed["recordings"], "the recording (ffmpeg stays with the hub) works"
