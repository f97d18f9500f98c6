"""``pytest --tggrid`` on the embedded hub: a failing test brings its video and screenshot to
every report; a passing one keeps no video."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

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

@pytest.mark.parametrize("word", ["a|b[c]"])
def test_passes(tggrid_driver, word):
    tggrid_driver.get("data:text/html,<h1>fine</h1>")
    assert "fine" in tggrid_driver.page_source

def test_fails(tggrid_driver):
    print("looking for the title")
    tggrid_driver.get("data:text/html,<h1>broken</h1><script>console.error('oops')</script>")
    assert tggrid_driver.title == "a title the page does not have"
"""


def test_failing_test_keeps_video_screenshot_and_reports(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--junitxml=junit.xml", "--html=report/report.html")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["tggrid: hub http://127.0.0.1:* (embedded)*",
                                 "*tggrid artifacts of failing tests*",
                                 "*video: *test_suite.py-test_fails/video.mp4"])
    root = results_dir(pytester)
    assert not any(c in str(path) for path in root.rglob("*") for c in "[]|")

    failed = test_folder(root, "test_fails")
    assert_playable_video(failed / "video.mp4")
    assert_png(failed / "screenshot.png")
    assert "oops" in (failed / "browser-console.log").read_text()
    info = session_info(failed)
    assert info["outcome"] == "failed" and info["nodeid"] == "test_suite.py::test_fails"
    # the embedded hub stops with the run: the reports name local files, not its links
    assert info["urls"] == {}
    assert info["url"].startswith("data:text/html")
    assert "<h1>broken</h1>" in (failed / "page.html").read_text()

    passed = test_folder(root, "test_passes-a-b-c")
    assert session_info(passed)["outcome"] == "passed"
    assert not (passed / "video.mp4").exists() and not (passed / "screenshot.png").exists()

    # no junit_logging given: the attachment lines are there all the same
    cases = assert_junit_attachments(pytester.path / "junit.xml", failed)
    assert "looking for the title" not in (cases["test_fails"].findtext("system-out") or "")
    properties = {p.get("name"): p.get("value") for p in cases["test_fails"].iter("property")}
    assert properties["tggrid_session"] == info["sessionId"]
    assert "tggrid_video" not in properties

    html = (pytester.path / "report" / "report.html").read_text()
    video = html.index("../tggrid-results/test_suite.py-test_fails/video.mp4")
    # pytest-html's carousel loads only its first medium: the video comes first
    assert video < html.index("../tggrid-results/test_suite.py-test_fails/screenshot.png")
    assert "../tggrid-results/test_suite.py-test_fails/page.html" in html
    assert "/api/sessions/" not in html  # no link to the embedded hub, gone by now
    assert "[[ATTACHMENT|" not in html and "[[ATTACHMENT|" not in result.stdout.str()


@pytest.mark.parametrize("options", [["-o", "junit_logging=system-out"], ["-n", "2"]],
                         ids=["system-out", "xdist"])
def test_junit_attachments_once_beside_the_tests_output(
    pytester: pytest.Pytester, run_suite: RunSuite, options: list[str],
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--junitxml=junit.xml", *options)

    result.assert_outcomes(passed=1, failed=1)
    failed = test_folder(results_dir(pytester), "test_fails")
    cases = assert_junit_attachments(pytester.path / "junit.xml", failed)
    out = cases["test_fails"].findtext("system-out") or ""
    assert ("looking for the title" in out) == ("junit_logging=system-out" in options)


def test_gitlab_attachments_are_relative_to_the_project_dir(
    pytester: pytest.Pytester, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GitLab shows a test's screenshot only by a path relative to ``$CI_PROJECT_DIR``."""
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_DIR", str(pytester.path))
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--junitxml=junit.xml", "-o", "junit_logging=system-out")

    result.assert_outcomes(passed=1, failed=1)
    cases = {case.get("name"): case for case in ET.parse(pytester.path / "junit.xml")
             .iter("testcase")}
    out = cases["test_fails"].findtext("system-out") or ""
    attachments = [line for line in out.splitlines() if "[[ATTACHMENT|" in line]
    folder = "tggrid-results/test_suite.py-test_fails"
    names = ["screenshot.png", "video.mp4", "page.html", "browser-console.log", "session.json"]
    assert attachments == [f"[[ATTACHMENT|{folder}/{name}]]" for name in names]
    assert_png(pytester.path / folder / "screenshot.png")


def assert_junit_attachments(report: Path, failed: Path) -> dict[str, ET.Element]:
    """The failing test's one <system-out> lists each of its files once, screenshot first;
    the passing test lists none."""
    cases = {case.get("name"): case for case in ET.parse(report).iter("testcase")}
    assert len(cases["test_fails"].findall("system-out")) == 1
    out = cases["test_fails"].findtext("system-out") or ""
    attachments = [line for line in out.splitlines() if "[[ATTACHMENT|" in line]
    names = ["screenshot.png", "video.mp4", "page.html", "browser-console.log", "session.json"]
    assert attachments == [f"[[ATTACHMENT|{failed / name}]]" for name in names]
    assert all((failed / name).is_file() for name in names)
    assert "[[ATTACHMENT|" not in (cases["test_passes[a|b[c]]"].findtext("system-out") or "")
    return cases


def test_video_on_keeps_passing_videos_and_github_summary(
    pytester: pytest.Pytester, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--tggrid-video", "on", "--tggrid-screenshot", "off",
                       "--tggrid-output", "out")

    result.assert_outcomes(passed=1, failed=1)
    root = results_dir(pytester, "out")
    assert_playable_video(test_folder(root, "test_passes-a-b-c") / "video.mp4")
    failed = test_folder(root, "test_fails")
    assert (failed / "video.mp4").exists() and not (failed / "screenshot.png").exists()
    text = summary.read_text()
    assert "| `test_suite.py::test_fails` | chrome |" in text
    assert "test_passes" not in text


def test_each_browser_gets_its_own_run_and_video(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_one="""
def test_fails(tggrid_driver):
    print("looking for the title")
    tggrid_driver.get("data:text/html,<h1>x</h1>")
    assert False
""")
    result = run_suite("--tggrid", "--tggrid-browser", "chrome", "--tggrid-browser", "firefox")

    result.assert_outcomes(failed=2)
    for browser in ("chrome", "firefox"):
        folder = test_folder(results_dir(pytester), f"test_fails-{browser}")
        info = session_info(folder)
        assert info["capabilities"]["browserName"] == browser
        assert_playable_video(folder / "video.mp4")
        assert_png(folder / "screenshot.png")
