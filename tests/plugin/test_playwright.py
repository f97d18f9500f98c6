"""An unchanged pytest-playwright suite runs on the grid with ``--tggrid``: the engine asked
for or a clear error, the page under test captured, a session-scoped ``browser``, and
pytest-playwright's --video and --tracing working with the grid's own recording."""

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
import pytest

@pytest.fixture(scope="session")
def stored_login(browser, tmp_path_factory):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<p>login</p>")
    path = tmp_path_factory.mktemp("state") / "state.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)

def test_heading(page):
    page.set_content("<h1>on the grid</h1>")
    assert page.inner_text("h1") == "on the grid"

def test_wrong_heading(page):
    page.set_content("<h1>on the grid</h1><script>console.log('seen')</script>")
    assert page.inner_text("h1") == "somewhere else"

def test_stored_login(browser, stored_login):
    context = browser.new_context(storage_state=stored_login)
    assert context.new_page().evaluate("1 + 1") == 2
    context.close()
"""

IGNORE = ("-W", "ignore::pytest.PytestRemovedIn10Warning")


def test_pytest_playwright_browser_comes_from_the_grid(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", *IGNORE, "--video", "retain-on-failure",
                       "--tracing", "retain-on-failure", "--slowmo", "1", "--junitxml=j.xml",
                       "--html=report.html", "--self-contained-html")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*tggrid: --video: the grid records the video*"])
    assert "[[ATTACHMENT|" not in result.stdout.str()
    root = results_dir(pytester)
    failed = test_folder(root, "test_wrong_heading-chromium")
    info = session_info(failed)
    assert info["kind"] == "cdp" and info["outcome"] == "failed"
    assert info["browser"] == "chrome" and info["browserVersion"]
    assert info["sessionId"] != "unknown"
    assert info["urls"] == {}  # the embedded hub is gone once the run ends
    assert_playable_video(failed / "video.mp4")
    assert_png(failed / "screenshot.png")
    assert "<h1>on the grid</h1>" in (failed / "page.html").read_text()
    assert info["url"] == "about:blank"
    assert "log: seen" in (failed / "browser-console.log").read_text()
    assert (failed / "trace.zip").stat().st_size > 0
    assert "[[ATTACHMENT|" in (pytester.path / "j.xml").read_text()
    report = (pytester.path / "report.html").read_text()
    assert "[[ATTACHMENT|" not in report
    # self-contained: the screenshot is in the file, the video is named where it lies
    assert "data:image/png;base64," in report
    assert "Video (not embedded): " in report and "test_wrong_heading-chromium" in report
    assert not (test_folder(root, "test_heading-chromium") / "video.mp4").exists()
    assert session_info(test_folder(root, "test_stored_login-chromium"))["outcome"] == "passed"


def test_an_engine_the_grid_cannot_serve_is_an_error_naming_the_offer(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite="def test_page(page):\n    pass\n",
                        test_own="def test_own(tggrid_page):\n    pass\n")
    result = run_suite("--tggrid", *IGNORE, "--browser", "webkit", "--browser", "firefox",
                       "--headed", "--browser-channel", "chrome-beta",
                       "--tggrid-browser", "firefox", "test_suite.py", "test_own.py")
    result.assert_outcomes(errors=3, warnings=2)
    result.stdout.fnmatch_lines(["*tggrid: --headed: grid browsers draw on the node's own screen*",
                                 "*tggrid: --browser-channel chrome-beta: the grid picks*"])
    result.stdout.fnmatch_lines([
        "*tggrid: Playwright cannot run 'webkit' on the grid*Playwright: chromium*",
        "*tggrid: Playwright cannot run 'firefox' on the grid*Playwright: chromium*",
        "*tggrid: Playwright cannot run 'firefox' on the grid*Selenium (tggrid_driver): "
        "chrome, firefox*"])
    assert not results_dir(pytester).joinpath("test_page.py-test_page-webkit").exists()


def test_without_tggrid_pytest_playwright_is_left_alone(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    """No grid asked for: pytest-playwright would launch its own browser (none here)."""
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite(*IGNORE, "-k", "test_heading")
    result.assert_outcomes(errors=1, deselected=2)
    assert not results_dir(pytester).exists()
