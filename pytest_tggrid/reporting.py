"""Putting the artifacts where people look: terminal, pytest-html, JUnit XML, GitHub summary.

Everything travels on the teardown report (``report.tggrid``), never on the item, so an
xdist controller sees what its workers saved.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid.junit import ATTACHMENT_ORDER, SESSION_PROPERTY
from pytest_tggrid.steps import html_list


def _failed(results: list[dict[str, Any]]) -> bool:
    return any(r.get("outcome") == "failed" for r in results)


def decorate(report: pytest.TestReport, results: list[dict[str, Any]],
             config: pytest.Config) -> None:
    """Attach the artifacts to the teardown report of a test that used the grid. The
    ``[[ATTACHMENT|...]]`` lines go only into the JUnit XML (junit.py), not the captured log."""
    _keep_trace(report, results, config)
    report.tggrid = results  # type: ignore[attr-defined]
    failed = _failed(results)
    paths = [r["files"][key] for key in ATTACHMENT_ORDER for r in results
             if key in r["files"]]
    for result in results:
        report.user_properties.append((SESSION_PROPERTY, result["sessionId"]))
        if "video" in result["files"] and "video" in result["urls"]:
            report.user_properties.append(("tggrid_video", result["urls"]["video"]))
    _html_extras(report, results, config, failed)
    _allure(paths)


def _keep_trace(report: pytest.TestReport, results: list[dict[str, Any]],
                config: pytest.Config) -> None:
    """pytest-playwright's ``trace.zip`` (kept with --tracing), copied beside the video."""
    traces = [value for name, value in report.user_properties if name == "playwright_trace"]
    if not traces or not results:
        return
    result = results[0]
    source = Path(config.invocation_params.dir, str(traces[0]))
    target = Path(result["folder"]) / "trace.zip"
    try:
        shutil.copyfile(source, target)
    except OSError as error:
        result["notes"].append(f"no trace: {error}")
        return
    result["files"]["trace"] = str(target.resolve())
    session_json = Path(result["files"].get("session", ""))
    if session_json.is_file():
        info = json.loads(session_json.read_text(encoding="utf-8"))
        info["files"] = {k: v for k, v in result["files"].items() if k != "session"}
        session_json.write_text(json.dumps(info, indent=2, default=str) + "\n",
                                encoding="utf-8")


def _allure(paths: list[str]) -> None:
    """allure-pytest, when installed, shows the files on the test. Attached here, after the
    fixtures' teardown, they land on the test's own result rather than on the fixture's."""
    try:
        import allure
    except ImportError:
        return
    kinds = {".png": allure.attachment_type.PNG, ".mp4": allure.attachment_type.MP4,
             ".json": allure.attachment_type.JSON, ".log": allure.attachment_type.TEXT,
             ".html": allure.attachment_type.HTML}
    for path in paths:
        allure.attach.file(path, name=Path(path).name,
                           attachment_type=kinds.get(Path(path).suffix))


def _html_extras(report: pytest.TestReport, results: list[dict[str, Any]],
                 config: pytest.Config, failed: bool) -> None:
    """pytest-html: the video first (its carousel loads only the first medium), then the
    screenshot. --self-contained-html embeds the screenshot and names the video's file."""
    try:
        from pytest_html import extras
    except ImportError:
        return
    html_path = getattr(config.option, "htmlpath", None)
    base = (Path(config.invocation_params.dir, os.path.expandvars(html_path)).resolve().parent
            if html_path else Path.cwd())
    self_contained = bool(getattr(config.option, "self_contained_html", False))

    def relative(path: str) -> str:
        return urllib.parse.quote(Path(os.path.relpath(path, base)).as_posix())

    media: list[Any] = []
    links: list[Any] = []
    for result in results:
        files, urls = result["files"], result["urls"]
        if "video" in files:
            if self_contained:
                links.append(extras.url(relative(files["video"]),
                                        name=f"Video (not embedded): {files['video']}"))
            else:
                media.append(extras.video(relative(files["video"]), name="Video"))
        if "screenshot" in files:
            if self_contained:
                data = base64.b64encode(Path(files["screenshot"]).read_bytes()).decode()
                media.append(extras.png(data, name="Screenshot"))
            else:
                media.append(extras.image(relative(files["screenshot"]), name="Screenshot"))
        if "steps" in files:
            media.append(extras.html(html_list(files["steps"])))
        for key, name in (("html", "Page source"), ("console", "Browser console"),
                          ("trace", "Playwright trace"), ("steps", "Steps (JSON)")):
            if key in files:
                links.append(extras.url(relative(files[key]), name=name))
        if failed and "replay" in urls:
            links.append(extras.url(urls["replay"], name="Session on the grid"))
        if "video" in files and "video" in urls:
            links.append(extras.url(urls["video"], name="Video on the grid"))
    report.extras = [*media, *getattr(report, "extras", []), *links]  # type: ignore[attr-defined]


def summary_lines(result: dict[str, Any]) -> list[str]:
    files, urls = result["files"], result["urls"]
    lines = [f"{result['nodeid']}  (session {result['sessionId']}, {result['browser']})"]
    if result.get("failingStep"):
        lines.append(f"    failing command: {result['failingStep']}")
    if result.get("url"):
        lines.append(f"    page url: {result['url']}")
    for label, key in (("video", "video"), ("screenshot", "screenshot"), ("page", "html"),
                       ("console", "console"), ("trace", "trace"), ("steps", "steps"),
                       ("session", "session")):
        if key in files:
            lines.append(f"    {label}: {files[key]}")
    for label, key in (("video url", "video"), ("replay", "replay")):
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


def github_summary(failures: list[dict[str, Any]], hub_url: str, embedded: bool) -> None:
    """With ``GITHUB_ACTIONS=true``, a Markdown table of failing tests on the job's page; an
    embedded hub is gone by then, so only a remote hub's replay links are given."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not target or not failures:
        return
    rows = ["### TGGrid: failing browser tests", "",
            "Hub: embedded (stopped with the run; the files are in the job's artifacts)"
            if embedded else f"Hub: {hub_url}", "",
            "| Test | Browser | Video | Screenshot | Session |",
            "| --- | --- | --- | --- | --- |"]
    for result in failures:
        files = result["files"]
        cells = [f"`{result['nodeid'].replace('|', '/')}`", result["browser"],
                 f"`{files['video']}`" if "video" in files else "-",
                 f"`{files['screenshot']}`" if "screenshot" in files else "-",
                 f"[`{result['sessionId']}`]({result['urls']['replay']})"
                 if "replay" in result["urls"] else f"`{result['sessionId']}`"]
        rows.append("| " + " | ".join(cells) + " |")
    with open(target, "a", encoding="utf-8") as summary:
        summary.write("\n".join(rows) + "\n\n")
