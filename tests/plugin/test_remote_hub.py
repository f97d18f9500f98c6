"""``--tggrid-url`` and ``--tggrid-token`` against a hub with auth on: Selenium and Playwright
sessions run as the token's user, and the hub's session list shows names and outcomes."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from tests.plugin.conftest import RunSuite, assert_playable_video, results_dir, session_info
from tests.plugin.conftest import test_folder as folder_of
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITE = """
def test_selenium_fails(tggrid_driver):
    tggrid_driver.get("data:text/html,<h1>x</h1>")
    assert tggrid_driver.title == "missing"

def test_playwright_passes(tggrid_page):
    tggrid_page.set_content("<h1>fine</h1>")
    assert tggrid_page.inner_text("h1") == "fine"
"""


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_token_on_a_hub_with_auth(
    pytester: pytest.Pytester, run_suite: RunSuite, hub_factory: HubFactory,
) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "1")
    data = ("--data-dir", str(hub.data_dir))
    _cli("user", "create", "ci@example.com", "--admin", "--password", "pw-0123456789", *data)
    token = _cli("token", "create", "ci@example.com", "--name", "pytest", *data).splitlines()[-1]
    pytester.makepyfile(test_suite=SUITE)

    result = run_suite("--tggrid", "--tggrid-url", hub.url, "--tggrid-token", token,
                       "--tggrid-vnc", "--html=report.html")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"tggrid: hub {hub.url} (given)*",
                                 "tggrid: live view of test_suite.py::test_selenium_fails: "
                                 f"{hub.url}/ui/sessions/*/live"])
    failed = folder_of(results_dir(pytester), "test_selenium_fails")
    assert_playable_video(failed / "video.mp4")
    bearer = {"Authorization": f"Bearer {token}"}
    for name, outcome in (("test_selenium_fails", "failed"), ("test_playwright_passes",
                                                              "passed")):
        info = session_info(folder_of(results_dir(pytester), name))
        status, row = hub.request("GET", f"/api/sessions/{info['sessionId']}", headers=bearer)
        assert status == 200, row
        assert row["name"] == f"test_suite.py::{name}"
        assert row["testStatus"] == outcome

    # links in the reports are signed and outlive the session (the live view does not): they
    # open without logging in to the hub, after the run
    info = session_info(failed)
    assert "/live" not in str(info["urls"])
    with urllib.request.urlopen(info["urls"]["replay"], timeout=60) as answer:
        assert answer.read() == (failed / "video.mp4").read_bytes()
    assert info["urls"]["replay"].replace("&", "&amp;") in (pytester.path / "report.html"
                                                             ).read_text()


def test_without_the_token_the_hub_refuses(
    pytester: pytest.Pytester, run_suite: RunSuite, hub_factory: HubFactory,
) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "1")
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--tggrid-url", hub.url, "-k", "selenium")
    result.assert_outcomes(errors=1, deselected=1)
    result.stdout.fnmatch_lines(
        [f"*tggrid: the hub at {hub.url} needs an API token: pass --tggrid-token*"])
