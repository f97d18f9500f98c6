"""allure-pytest beside ``--tggrid``: a failing test's screenshot and video are attached to
its result, so the Allure report shows them on the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.plugin.conftest import RunSuite, assert_playable_video, assert_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITE = """
def test_passes(tggrid_driver):
    tggrid_driver.get("data:text/html,<h1>fine</h1>")

def test_fails(tggrid_driver):
    tggrid_driver.get("data:text/html,<h1>broken</h1>")
    assert tggrid_driver.title == "a title the page does not have"
"""


def allure_result(results: Path, name: str) -> dict[str, Any]:
    (found,) = [data for path in results.glob("*-result.json")
                if (data := json.loads(path.read_text()))["name"] == name]
    return found


def test_failing_test_has_its_screenshot_and_video_in_allure(
        pytester: pytest.Pytester, run_suite: RunSuite) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--alluredir=allure-results")

    result.assert_outcomes(passed=1, failed=1)
    results = pytester.path / "allure-results"
    failed = allure_result(results, "test_fails")
    assert failed["status"] == "failed"
    attached = {item["name"]: item for item in failed.get("attachments", [])}
    assert attached["screenshot.png"]["type"] == "image/png"
    assert attached["video.mp4"]["type"] == "video/mp4"
    assert_png(results / attached["screenshot.png"]["source"])
    assert_playable_video(results / attached["video.mp4"]["source"])

    passed = allure_result(results, "test_passes")
    assert passed["status"] == "passed"
    assert not any(item["name"] in ("screenshot.png", "video.mp4")
                   for item in passed.get("attachments", []))
