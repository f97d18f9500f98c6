"""Putting the artifacts where people look: terminal, pytest-html, JUnit XML, GitHub summary.

Everything travels on the teardown report (``report.tggrid``), never on the item, so an
xdist controller sees what its workers saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid.junit import ATTACHMENT_ORDER, SESSION_PROPERTY, attachment_lines


def _failed(results: list[dict[str, Any]]) -> bool:
    return any(r.get("outcome") == "failed" for r in results)


def decorate(report: pytest.TestReport, results: list[dict[str, Any]],
             config: pytest.Config) -> None:
    """Attach the artifacts to the teardown report of a test that used the grid."""
    report.tggrid = results  # type: ignore[attr-defined]
    failed = _failed(results)
    paths = [r["files"][key] for key in ATTACHMENT_ORDER for r in results
             if key in r["files"]]
    if lines := attachment_lines(results):
        # Reaches the JUnit XML through pytest with junit_logging = system-out; junit.py
        # adds the lines for every other setting.
        report.sections.append(("Captured stdout teardown", "".join(f"{x}\n" for x in lines)))
    for result in results:
        report.user_properties.append((SESSION_PROPERTY, result["sessionId"]))
        if "video" in result["files"] and "video" in result["urls"]:
            report.user_properties.append(("tggrid_video", result["urls"]["video"]))
    _html_extras(report, results, config, failed)
    _allure(paths)


def _allure(paths: list[str]) -> None:
    """allure-pytest, when installed, shows the files on the test. Attached here, after the
    fixtures' teardown, they land on the test's own result rather than on the fixture's."""
    try:
        import allure
    except ImportError:
        return
    kinds = {".png": allure.attachment_type.PNG, ".mp4": allure.attachment_type.MP4,
             ".json": allure.attachment_type.JSON, ".log": allure.attachment_type.TEXT}
    for path in paths:
        allure.attach.file(path, name=Path(path).name,
                           attachment_type=kinds.get(Path(path).suffix))


def _html_extras(report: pytest.TestReport, results: list[dict[str, Any]],
                 config: pytest.Config, failed: bool) -> None:
    try:
        from pytest_html import extras
    except ImportError:
        return
    html_path = getattr(config.option, "htmlpath", None)
    base = Path(html_path).resolve().parent if html_path else Path.cwd()

    def relative(path: str) -> str:
        return os.path.relpath(path, base)

    found = list(getattr(report, "extras", []))
    for result in results:
        files, urls = result["files"], result["urls"]
        if "screenshot" in files:
            found.append(extras.image(relative(files["screenshot"]), name="Screenshot"))
        if "video" in files:
            found.append(extras.video(relative(files["video"]), name="Video"))
        if failed and "vnc" in urls:
            found.append(extras.url(urls["vnc"], name="VNC viewer"))
        if "video" in files and "video" in urls:
            found.append(extras.url(urls["video"], name="Video on the grid"))
    report.extras = found  # type: ignore[attr-defined]


def summary_lines(result: dict[str, Any]) -> list[str]:
    files, urls = result["files"], result["urls"]
    lines = [f"{result['nodeid']}  (session {result['sessionId']}, {result['browser']})"]
    for label, key in (("video", "video"), ("screenshot", "screenshot"),
                       ("console", "console"), ("session", "session")):
        if key in files:
            lines.append(f"    {label}: {files[key]}")
    for label, key in (("video url", "video"), ("vnc", "vnc")):
        if key in urls:
            lines.append(f"    {label}: {urls[key]}")
    lines.extend(f"    note: {note}" for note in result.get("notes", []))
    return lines


def terminal_summary(terminal: Any, failures: list[dict[str, Any]]) -> None:
    """A ``tggrid`` section per failing test with where its video and links are."""
    if not failures:
        return
    terminal.write_sep("=", "tggrid artifacts of failing tests")
    for result in failures:
        terminal.write_sep("_", result["nodeid"])
        for line in summary_lines(result):
            terminal.write_line(line)


def github_summary(failures: list[dict[str, Any]], hub_url: str) -> None:
    """With ``GITHUB_ACTIONS=true``, a Markdown table of failing tests on the job's page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not target or not failures:
        return
    rows = ["### TGGrid: failing browser tests", "",
            f"Hub: `{hub_url}`", "", "| Test | Browser | Video | Screenshot | Session |",
            "| --- | --- | --- | --- | --- |"]
    for result in failures:
        files = result["files"]
        cells = [f"`{result['nodeid'].replace('|', '/')}`", result["browser"],
                 f"`{files['video']}`" if "video" in files else "-",
                 f"`{files['screenshot']}`" if "screenshot" in files else "-",
                 f"`{result['sessionId']}`"]
        rows.append("| " + " | ".join(cells) + " |")
    with open(target, "a", encoding="utf-8") as summary:
        summary.write("\n".join(rows) + "\n\n")
