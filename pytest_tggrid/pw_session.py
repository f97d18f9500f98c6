"""One grid Chromium for Playwright: connected over the hub's ``/cdp``, its artifacts taken
while the page under test is still open, and saved once the session has ended."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_tggrid.artifacts import Recorder
from pytest_tggrid.grid import CDP_OPTIONS, NOT_RECORDED, Grid, video_on

CONNECT_TIMEOUT_MS = 120_000


class PlaywrightGridSession:
    """A ``connect_over_cdp`` browser with the grid session behind it."""

    def __init__(self, grid: Grid, playwright: Any, capabilities: dict[str, Any],
                 recorder: Recorder, slow_mo: float = 0) -> None:
        options = capabilities.get("tggrid:options", {})
        self.recorder = recorder
        self.browser = playwright.chromium.connect_over_cdp(
            grid.cdp_url(options), headers=grid.client.headers(), timeout=CONNECT_TIMEOUT_MS,
            slow_mo=slow_mo or None)
        session_id = grid.client.find_running(str(options.get("name"))) or "unknown"
        truth = {"browserName": "chrome", "browserVersion": self.browser.version,
                 "tggrid:options": {k: v for k, v in options.items() if k in CDP_OPTIONS}}
        unrecorded = (NOT_RECORDED if video_on(capabilities) and session_id != "unknown"
                      and grid.client.refuses_video(session_id) else "")
        self.session = recorder.start(session_id, "cdp", "chrome", truth,
                                      video_on(capabilities) and not unrecorded,
                                      not_recorded=unrecorded)
        self.console: list[str] = []
        self.captured = False

    def watch(self, context: Any) -> Any:
        """Keep the console of every page of ``context`` for the artifacts."""
        context.on("console", lambda message: self.console.append(
            f"{message.type}: {message.text}"))
        return context

    def capture(self, page: Any | None) -> None:
        """Screenshot, console, URL and HTML of ``page`` (the page under test), once."""
        if self.captured:
            return
        self.captured = True

        def screenshot(path: Path) -> None:
            if page is None:
                raise RuntimeError("the browser has no open page")
            page.screenshot(path=str(path))

        def console() -> list[str]:
            if self.console:
                return self.console
            if page is not None:
                seen = [f"{m.type}: {m.text}" for m in page.console_messages()]
                if seen:
                    return seen
            return ["(no console messages)"]

        def source() -> tuple[str, str]:
            if page is None:
                raise RuntimeError("the browser has no open page")
            return page.url, page.content()

        self.recorder.capture(self.session, screenshot, console, source)

    def last_page(self) -> Any | None:
        pages = [page for context in self.browser.contexts for page in context.pages]
        return pages[-1] if pages else None

    def end(self) -> None:
        """Capture (if not yet), tell the hub the outcome, end the session, save the video."""
        self.capture(self.last_page())
        self.recorder.tell_outcome(self.session)
        try:
            self.browser.close()
        finally:
            self.recorder.finish(self.session)
