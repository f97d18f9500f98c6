"""Registered only with ``--tggrid`` and pytest-playwright installed: its ``browser`` comes
from the grid, so an existing Playwright suite runs there unchanged.

``browser`` is session-scoped, as pytest-playwright's is (so a session-scoped fixture such as a
stored login can use it), yet every ``new_context()`` opens its own grid session named after
the running test, with its own video. Before a context closes (pytest-playwright closes it in
its ``context`` fixture), the page under test is captured: screenshot, console, URL and HTML.
An engine the grid cannot give Playwright is an error naming what it offers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_tggrid import engines
from pytest_tggrid.artifacts import recorder_for
from pytest_tggrid.fixtures import OPTIONS, slow_mo
from pytest_tggrid.grid import Grid, session_capabilities, test_capabilities
from pytest_tggrid.pw_session import PlaywrightGridSession

CURRENT_ITEM = pytest.StashKey[pytest.Item]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The test a context created now belongs to (session fixtures included)."""
    item.config.stash[CURRENT_ITEM] = item


def configure_warnings(config: pytest.Config) -> None:
    """pytest-playwright options the grid cannot honour: one warning each, at start."""
    reasons = []
    if config.getoption("headed", False):
        reasons.append("--headed: grid browsers draw on the node's own screen; watch them "
                       "with --tggrid-vnc (the live link is printed when a test starts)")
    if channel := config.getoption("browser_channel", None):
        reasons.append(f"--browser-channel {channel}: the grid picks the browser build; ask "
                       f"for a version with --tggrid-capability browserVersion VERSION")
    if config.getoption("video", "off") != "off":
        reasons.append("--video: the grid records the video (as --tggrid-video does); "
                       "Playwright's own recorder is off on the grid")
    for reason in reasons:
        config.issue_config_time_warning(pytest.PytestWarning(f"tggrid: {reason}"), 2)


class GridBrowser:
    """A ``Browser`` look-alike: each context is a grid Chromium of its own."""

    def __init__(self, config: pytest.Config, grid: Grid, playwright: Any) -> None:
        self._config = config
        self._grid = grid
        self._playwright = playwright
        self._open: dict[Any, PlaywrightGridSession] = {}
        self.version = ""

    @property
    def browser_type(self) -> Any:
        return self._playwright.chromium

    @property
    def contexts(self) -> list[Any]:
        return list(self._open)

    def is_connected(self) -> bool:
        return True

    def new_context(self, **kwargs: Any) -> Any:
        item = self._config.stash[CURRENT_ITEM]
        options = self._config.stash[OPTIONS]
        caps = test_capabilities(item, session_capabilities(options), "chrome")
        grid_session = PlaywrightGridSession(
            self._grid, self._playwright, caps,
            recorder_for(item, options, self._grid.client), slow_mo(self._config))
        self.version = grid_session.browser.version
        try:
            context = grid_session.watch(grid_session.browser.new_context(**kwargs))
        except BaseException:
            grid_session.end()
            raise
        self._open[context] = grid_session
        original_close = context.close

        def close(*args: Any, **close_kwargs: Any) -> None:
            if self._open.pop(context, None) is None:
                return
            grid_session.capture(_page_under_test(item, context))
            try:
                original_close(*args, **close_kwargs)
            finally:
                grid_session.end()

        context.close = close
        return context

    def new_page(self, **kwargs: Any) -> Any:
        """A page in a context of its own (closed with the browser, at the end of the run)."""
        return self.new_context(**kwargs).new_page()

    def close(self, **_: Any) -> None:
        for context in list(self._open):
            with contextlib.suppress(Exception):
                context.close()


def _page_under_test(item: pytest.Item, context: Any) -> Any | None:
    """pytest-playwright's ``page`` when it lives in ``context``, else its newest page."""
    page = getattr(item, "funcargs", {}).get("page")
    if page is not None and page in context.pages:
        return page
    return context.pages[-1] if context.pages else None


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config, tggrid: Grid, tggrid_playwright: Any,
            browser_name: str) -> Iterator[Any]:
    """pytest-playwright's ``browser``, served by the grid: Chromium, or a clear error."""
    if problem := engines.playwright_problem(browser_name or "chromium", list(tggrid.offers)):
        pytest.fail(problem, pytrace=False)
    grid_browser = GridBrowser(pytestconfig, tggrid, tggrid_playwright)
    yield grid_browser
    grid_browser.close()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's, without its video recorder: the grid records the video."""
    return {key: value for key, value in browser_context_args.items()
            if key not in ("record_video_dir", "record_video_size")}
