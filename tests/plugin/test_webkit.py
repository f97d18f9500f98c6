"""``--tggrid-browser webkit``: a suite runs on WebKitGTK and a failing test keeps its
artifacts like on the other browsers."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import (
    RunSuite,
    assert_playable_video,
    assert_png,
    results_dir,
    session_info,
    test_folder,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_failing_webkit_test_keeps_video_screenshot_and_a_console_note(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_one="""
def test_passes(tggrid_driver):
    tggrid_driver.get("data:text/html,<title>wk</title>")
    assert tggrid_driver.title == "wk"

def test_fails(tggrid_driver):
    tggrid_driver.get("data:text/html,<h1>x</h1>")
    assert False
""")
    result = run_suite("--tggrid", "--tggrid-browser", "webkit")

    result.assert_outcomes(passed=1, failed=1)
    folder = test_folder(results_dir(pytester), "test_fails")
    assert session_info(folder)["capabilities"]["browserName"] == "MiniBrowser"
    assert_playable_video(folder / "video.mp4")
    assert_png(folder / "screenshot.png")
    assert "has no console log" in (folder / "browser-console.log").read_text()
