"""An unchanged pytest-playwright suite runs on the grid with ``--tggrid``."""

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

SUITE = """
def test_heading(page):
    page.set_content("<h1>on the grid</h1>")
    assert page.inner_text("h1") == "on the grid"

def test_wrong_heading(page):
    page.set_content("<h1>on the grid</h1><script>console.log('seen')</script>")
    assert page.inner_text("h1") == "somewhere else"
"""


def test_pytest_playwright_browser_comes_from_the_grid(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "-W", "ignore::pytest.PytestRemovedIn10Warning")

    result.assert_outcomes(passed=1, failed=1)
    root = results_dir(pytester)
    failed = test_folder(root, "test_wrong_heading-chromium")
    info = session_info(failed)
    assert info["kind"] == "cdp" and info["outcome"] == "failed"
    assert info["sessionId"] != "unknown"
    assert_playable_video(failed / "video.mp4")
    assert_png(failed / "screenshot.png")
    assert not (test_folder(root, "test_heading-chromium") / "video.mp4").exists()


def test_without_tggrid_pytest_playwright_is_left_alone(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    """No grid asked for: pytest-playwright would launch its own browser (none here)."""
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("-W", "ignore::pytest.PytestRemovedIn10Warning", "-k", "test_heading")
    result.assert_outcomes(errors=1, deselected=1)
    assert not results_dir(pytester).exists()
