"""The dashboard in a real Chromium: Playwright attached over CDP to a second, auth-off hub
(the person's browser), looking at the hub under test (auth on)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.support.hubs import RunningHub

PageFactory = Callable[[], Page]


@pytest.fixture(scope="module")
def grid_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """The hub whose dashboard is under test."""
    hub = RunningHub(tmp_path_factory.mktemp("ui-grid"),
                     ["--auth", "on", "--max-sessions", "3"], {})
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def viewer_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """Hands out the browsers that people use to look at the dashboard."""
    hub = RunningHub(tmp_path_factory.mktemp("ui-viewer"), ["--max-sessions", "2"], {})
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def viewer_browser(pw: Playwright, viewer_hub: RunningHub) -> Iterator[Browser]:
    """One browser per test module (starting one costs seconds); each test gets its own
    contexts, so no cookies are shared."""
    browser = pw.chromium.connect_over_cdp(viewer_hub.url.replace("http", "ws") + "/cdp",
                                           timeout=120_000)
    yield browser
    browser.close()


@pytest.fixture
def new_page(viewer_browser: Browser) -> Iterator[PageFactory]:
    """A page in a fresh context (its own cookies: one person each)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = viewer_browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
