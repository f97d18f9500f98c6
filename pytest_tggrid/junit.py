"""``[[ATTACHMENT|path]]`` lines in the JUnit XML, whatever ``junit_logging`` says.

pytest copies a test's captured stdout (where the teardown section puts the lines) into
``<system-out>`` only with ``junit_logging = system-out``, ``out-err`` or ``all``. So once pytest
has written the file, the lines go into the ``<system-out>`` of every test case that carries a
``tggrid_session`` property: after what pytest wrote there (the test's own output stays), or in
a new element, skipping lines already present. Jenkins and GitLab read one ``<system-out>`` per
test, so a second one is never added. Only the written file and the ``--junitxml`` option are
relied on, not pytest's private classes; if the file cannot be read, it stays as pytest wrote it
and the section still serves ``junit_logging = system-out``.
"""

from __future__ import annotations

import contextlib
import os
import xml.etree.ElementTree as ET
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

ATTACHMENT_ORDER = ("screenshot", "video", "html", "console", "trace", "session")
SESSION_PROPERTY = "tggrid_session"


def attachment_lines(results: list[dict[str, Any]]) -> list[str]:
    """The lines for one test, screenshot first (GitLab shows only the first attachment).

    None for a passing test that kept nothing on purpose: its ``session.json`` alone would
    only clutter the report."""
    kept_media = any("screenshot" in r["files"] or "video" in r["files"] for r in results)
    if not kept_media and not any(r.get("outcome") == "failed" for r in results):
        return []
    return [f"[[ATTACHMENT|{attachment_path(r['files'][key])}]]" for key in ATTACHMENT_ORDER
            for r in results if key in r["files"]]


def attachment_path(path: str) -> str:
    """Relative to ``$CI_PROJECT_DIR`` on GitLab, which shows an attachment only by such a path;
    absolute everywhere else (Jenkins' attachments publisher resolves those)."""
    project = os.environ.get("CI_PROJECT_DIR")
    if os.environ.get("GITLAB_CI") != "true" or not project:
        return path
    try:
        return Path(path).resolve().relative_to(Path(project).resolve()).as_posix()
    except ValueError:  # outside the project: GitLab cannot show it either way
        return path


def xml_path(config: pytest.Config) -> str | None:
    """Where pytest writes the JUnit XML, resolved as pytest does, at configure time."""
    path = getattr(config.option, "xmlpath", None)
    if not path:
        return None
    return os.path.normpath(os.path.abspath(os.path.expandvars(os.path.expanduser(path))))


class JUnitAttachments:
    """On the controller (or a plain run): remembers each grid test's lines from its teardown
    report, the xdist workers' included, and adds them to the file pytest wrote."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[str, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        results = getattr(report, "tggrid", None)
        if report.when != "teardown" or not results:
            return
        if lines := attachment_lines(results):
            self.lines.update((result["sessionId"], lines) for result in results)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self) -> Generator[None, None, None]:
        """After every other plugin, pytest's junitxml included, has finished."""
        yield
        if self.lines and os.path.exists(self.path):
            # On failure the file stays as pytest wrote it.
            with contextlib.suppress(OSError, ET.ParseError):
                add_attachments(self.path, self.lines)


def add_attachments(path: str, by_session: dict[str, list[str]]) -> None:
    """Rewrites the report with the lines of each test case named by its session property."""
    root = ET.parse(path).getroot()
    changed = False
    for case in root.iter("testcase"):
        sessions = [p.get("value") for p in case.iterfind("properties/property")
                    if p.get("name") == SESSION_PROPERTY]
        lines = next((by_session[s] for s in sessions if s in by_session), None)
        if lines:
            changed |= _merge(case, lines)
    if not changed:
        return
    temporary = f"{path}.tggrid"
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write('<?xml version="1.0" encoding="utf-8"?>')
            file.write(ET.tostring(root, encoding="unicode"))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _merge(case: ET.Element, lines: list[str]) -> bool:
    out = case.find("system-out")
    if out is None:
        out = ET.SubElement(case, "system-out")
    text = out.text or ""
    present = set(text.splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    out.text = text + "".join(f"{line}\n" for line in missing)
    return True
