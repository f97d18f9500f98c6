"""A failing test brings its session's steps: steps.json, a list in pytest-html with each
step's time in the video, and the failing command named in the terminal summary."""

from __future__ import annotations

import json

import pytest

from tests.plugin.conftest import RunSuite, results_dir, session_info, test_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITE = """
from selenium.webdriver.common.by import By

def test_buys(tggrid_driver):
    tggrid_driver.get("data:text/html,<button id=buy>buy</button><div style='position:fixed;"
                      "top:0;left:0;width:100%;height:100%;background:white'></div>")
    tggrid_driver.find_element(By.CSS_SELECTOR, "#buy").click()
"""


def test_a_failing_test_names_its_failing_command_and_keeps_its_steps(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--html=report/report.html")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*tggrid artifacts of failing tests*",
        '*failing command: Element Click on css selector "#buy" -> element click intercepted',
        "*steps: *test_suite.py-test_buys/steps.json"])
    folder = test_folder(results_dir(pytester), "test_buys")
    steps = json.loads((folder / "steps.json").read_text())
    commands = [s["command"] for s in steps]
    assert commands[:4] == ["New Session", "Navigate To", "Find Element", "Element Click"]
    assert commands[-1] == "Delete Session" and "Take Screenshot" in commands
    click = next(s for s in steps if s["command"] == "Element Click")
    assert click["error"] == "element click intercepted" and click["start"] >= 0
    info = session_info(folder)
    assert info["failingStep"].startswith("Element Click on css selector")
    report = (pytester.path / "report" / "report.html").read_text()
    assert "Element Click on css selector" in report and "time in the video" in report
