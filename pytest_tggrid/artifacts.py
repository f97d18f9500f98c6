"""What a test leaves behind: a folder per test with its video, screenshot and session data.

Files are collected while the browser fixture tears down (the browser is still there for the
screenshot); the outcome comes from the setup and call reports kept on the item.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid import steps
from pytest_tggrid.hub import HubClient, HubError
from pytest_tggrid.options import Options

PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()
RESULTS = pytest.StashKey[list[dict[str, Any]]]()
EMBEDDED_URL = pytest.StashKey[bool]()
# Live-view links of the sessions a test opened: printed at once in a plain run, carried on
# the setup report to the controller under xdist (a worker has no terminal).
LIVE_LINKS = pytest.StashKey[list[str]]()
# Lines a run says only once (the controller also drops repeats its workers send).
SAID = pytest.StashKey[set[str]]()

MAX_SLUG = 100


def slug(nodeid: str) -> str:
    """A folder name for a node id: no ``[``, ``]`` or ``|`` (GitLab refuses them), cut with a
    hash when long so two long ids never share a folder."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", nodeid.replace("::", "-")).strip("-.") or "test"
    if len(text) <= MAX_SLUG:
        return text
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:10]
    return f"{text[:MAX_SLUG - 11].rstrip('-.')}-{digest}"


def test_failed(item: pytest.Item) -> bool:
    """pytest-selenium's rule: a failure, or an xfail test that did fail as expected."""
    for report in item.stash.get(PHASES, {}).values():
        xfail = hasattr(report, "wasxfail")
        if (report.skipped and xfail) or (report.failed and not xfail):
            return True
    return False


def test_outcome(item: pytest.Item) -> str:
    if test_failed(item):
        return "failed"
    if any(r.skipped for r in item.stash.get(PHASES, {}).values()):
        return "skipped"
    return "passed"


@dataclasses.dataclass
class GridSession:
    """One browser a test used, and what has been saved of it so far."""

    nodeid: str
    session_id: str
    kind: str
    browser: str
    capabilities: dict[str, Any]
    video_enabled: bool
    folder: Path
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    outcome: str = ""
    url: str = ""
    failing_step: str = ""
    not_recorded: str = ""  # the grid said it keeps no video of this session, and why

    def urls(self, client: HubClient, embedded: bool) -> dict[str, str]:
        """Links that still work when someone reads the report: none for an embedded hub (it
        stops with the run; the files are local), else the video and the session's replay page
        (the live view answers 404 once the session has ended); signed on a hub with auth, so
        a CI report opens them without logging in."""
        if embedded:
            return {}
        found = {"replay": f"{client.url}/ui/sessions/{self.session_id}"}
        if self.video_enabled:
            found["video"] = client.video_url(self.session_id)
        if client.token:
            try:
                links = client.request("POST", f"/api/sessions/{self.session_id}/links", {})
            except HubError as error:
                self.notes.append(f"no signed links: {error}")
            else:
                found = {"replay": links["video"]} if "video" in links else {}
                if self.video_enabled:
                    found["video"] = links["video"]
        return found


class Recorder:
    """Saves the artifacts of every grid session one test opened."""

    def __init__(self, item: pytest.Item, options: Options, client: HubClient) -> None:
        self.item = item
        self.options = options
        self.client = client
        self.root = Path(options.output)
        self.count = 0
        self.embedded = item.config.stash.get(EMBEDDED_URL, False)

    def start(self, session_id: str, kind: str, browser: str,
              capabilities: dict[str, Any], video_enabled: bool,
              not_recorded: str = "") -> GridSession:
        """``not_recorded``: the grid answered that it keeps no video of the session (why);
        said once per run, and nothing is waited for or downloaded."""
        self.count += 1
        folder = self.root / slug(self.item.nodeid)
        if self.count > 1:
            folder = folder / f"session-{self.count}"
        session = GridSession(self.item.nodeid, session_id, kind, browser, capabilities,
                              video_enabled, folder, not_recorded=not_recorded)
        self._announce(session)
        if not_recorded:
            self._say_once(f"tggrid: the grid's node for {browser} sessions does not record "
                           "video: tests on it run without one (no video is waited for)")
        return session

    def _announce(self, session: GridSession) -> None:
        """The live view's link as the test starts; the reports carry the replay link once
        the session has ended."""
        live = session.capabilities.get("tggrid:vncUrl")
        if not live and self.options.vnc and session.session_id != "unknown":
            live = f"{self.client.url}/ui/sessions/{session.session_id}/live"
        if live:
            self._say(f"tggrid: live view of {session.nodeid}: {live}")

    def _say_once(self, line: str) -> None:
        said = self.item.config.stash.setdefault(SAID, set())
        if line not in said:
            said.add(line)
            self._say(line)

    def _say(self, line: str) -> None:
        """On the terminal now, past the output capture of the fixture that says it (else
        only a failing test's captured output would show it)."""
        self.item.stash.setdefault(LIVE_LINKS, []).append(line)
        plugins = self.item.config.pluginmanager
        terminal = plugins.get_plugin("terminalreporter")
        if terminal is None or hasattr(self.item.config, "workerinput"):
            return
        capture = plugins.get_plugin("capturemanager")
        with (capture.global_and_fixture_disabled() if capture is not None
              else contextlib.nullcontext()):
            terminal.write_line(line)

    def capture(self, session: GridSession, screenshot: Callable[[Path], None],
                console: Callable[[], list[str]],
                page: Callable[[], tuple[str, str]] | None = None) -> None:
        """While the browser still lives: screenshot, console, and the page's URL and HTML
        source (what pytest-selenium keeps), as the mode asks."""
        session.outcome = test_outcome(self.item)
        if not self.options.takes_screenshot(session.outcome == "failed"):
            return
        session.folder.mkdir(parents=True, exist_ok=True)
        if page is not None:
            try:
                session.url, html = page()
            except Exception as error:  # a dead browser must not hide the test
                session.notes.append(f"no page source: {str(error).splitlines()[0]}")
            else:
                path = session.folder / "page.html"
                path.write_text(html, encoding="utf-8")
                session.files["html"] = str(path.resolve())
        session.folder.mkdir(parents=True, exist_ok=True)
        path = session.folder / "screenshot.png"
        try:
            screenshot(path)
            session.files["screenshot"] = str(path.resolve())
        except Exception as error:  # a dead browser must not hide the test
            session.notes.append(f"no screenshot: {error}")
        path = session.folder / "browser-console.log"
        try:
            lines = console()
        except Exception as error:
            lines = [f"(browser console not available: {str(error).splitlines()[0]})"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        session.files["console"] = str(path.resolve())

    def tell_outcome(self, session: GridSession) -> None:
        """So the grid's session list reads like the test run."""
        try:
            self.client.report_outcome(session.session_id, session.outcome or "passed")
        except HubError as error:
            session.notes.append(f"could not report the outcome: {error}")

    def finish(self, session: GridSession) -> None:
        """After the browser is gone: the video (when kept) and session.json."""
        failed = session.outcome == "failed"
        session.folder.mkdir(parents=True, exist_ok=True)
        if session.not_recorded:
            session.notes.append(session.not_recorded)
        elif session.video_enabled and self.options.keeps_video(failed):
            path = session.folder / "video.mp4"
            try:
                self.client.download_video(session.session_id, path)
                session.files["video"] = str(path.resolve())
            except HubError as error:
                session.notes.append(f"no video: {error}")
        if failed:
            self._save_steps(session)
        info = {"nodeid": session.nodeid, "sessionId": session.session_id,
                "kind": session.kind, "browser": session.browser,
                "browserVersion": session.capabilities.get("browserVersion", ""),
                "outcome": session.outcome, "url": session.url,
                "hub": self.client.url, "urls": session.urls(self.client, self.embedded),
                "capabilities": session.capabilities, "files": session.files,
                "failingStep": session.failing_step, "notes": session.notes}
        path = session.folder / "session.json"
        path.write_text(json.dumps(info, indent=2, default=str) + "\n", encoding="utf-8")
        session.files["session"] = str(path.resolve())
        self.item.stash.setdefault(RESULTS, []).append(
            {**info, "files": dict(session.files), "folder": str(session.folder.resolve())})


    def _save_steps(self, session: GridSession) -> None:
        """The session's timeline from the hub, and which command failed."""
        saved = steps.save(self.client, session.session_id, session.folder)
        if isinstance(saved, str):
            session.notes.append(saved)
            return
        path, session.failing_step = saved
        session.files["steps"] = str(path.resolve())


RECORDER = pytest.StashKey[Recorder]()


def recorder_for(item: pytest.Item, options: Options, client: HubClient) -> Recorder:
    """The one recorder of a test, shared by every fixture that opens a grid session in it."""
    if RECORDER not in item.stash:
        item.stash[RECORDER] = Recorder(item, options, client)
    return item.stash[RECORDER]
