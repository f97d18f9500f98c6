"""Fixtures: the grid, capabilities, a Selenium driver and Playwright over the hub's ``/cdp``.

They build on each other (``tggrid -> tggrid_capabilities -> tggrid_driver``), so a suite
overrides one of them to configure the rest, as with pytest-playwright.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid import engines
from pytest_tggrid.artifacts import EMBEDDED_URL, Recorder, recorder_for
from pytest_tggrid.grid import (
    Grid,
    merge,
    not_recorded,
    session_capabilities,
    test_capabilities,
    video_on,
)
from pytest_tggrid.hub import HubClient, HubError
from pytest_tggrid.options import Options

OPTIONS = pytest.StashKey[Options]()
HUB_URL = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def tggrid(pytestconfig: pytest.Config) -> Grid:
    """The hub this run uses (given with --tggrid-url or embedded)."""
    options = pytestconfig.stash[OPTIONS]
    if not options.enabled:
        pytest.skip("a grid test: run pytest with --tggrid")
    url = pytestconfig.stash[HUB_URL]
    client = HubClient(url, options.token)
    problem = ""
    try:
        client.status()
    except HubError as error:
        problem = (" needs an API token: pass --tggrid-token or set TGGRID_TOKEN"
                   if error.status == 401 and not options.token else f" failed: {error}")
    if problem:
        pytest.fail(f"tggrid: the hub at {url}{problem}", pytrace=False)
    return Grid(url, options.token, options, client, tuple(engines.offered(client)),
                pytestconfig.stash.get(EMBEDDED_URL, False))


@pytest.fixture(scope="session")
def tggrid_session_capabilities(tggrid: Grid) -> dict[str, Any]:
    """Capabilities of every session in the run: --tggrid-capability and the media modes."""
    return session_capabilities(tggrid.options)


@pytest.fixture
def tggrid_browser_name(request: pytest.FixtureRequest, tggrid: Grid) -> str:
    """The browser of this test; parametrized when --tggrid-browser is given twice."""
    return str(getattr(request, "param", tggrid.options.browsers[0]))


@pytest.fixture
def tggrid_capabilities(
    request: pytest.FixtureRequest, tggrid_session_capabilities: dict[str, Any],
    tggrid_browser_name: str,
) -> dict[str, Any]:
    """This test's capabilities: the run's, the browser, then ``tggrid_capabilities`` marks
    (the closest mark wins); the session is named after the node id."""
    return test_capabilities(request.node, tggrid_session_capabilities, tggrid_browser_name)


@pytest.fixture
def _tggrid_recorder(request: pytest.FixtureRequest, tggrid: Grid) -> Recorder:
    return recorder_for(request.node, tggrid.options, tggrid.client)


def _driver_options(browser: str, caps: dict[str, Any]) -> Any:
    """Selenium's options for ``caps``. Its ChromeOptions and FirefoxOptions rebuild their
    vendor block (``goog:chromeOptions``, ``moz:firefoxOptions``) when they are sent, which
    would drop the one given (a relay's browser binary and flags): it is merged back there."""
    from selenium import webdriver
    from selenium.webdriver.common.options import ArgOptions

    known = {"chrome": webdriver.ChromeOptions, "firefox": webdriver.FirefoxOptions}
    base: Any = known.get(browser, ArgOptions)
    given = {key: value for key, value in caps.items()
             if key == getattr(base, "KEY", None) and isinstance(value, dict)}

    class GridOptions(base):  # type: ignore[misc, valid-type]
        def to_capabilities(self) -> dict[str, Any]:
            built: dict[str, Any] = super().to_capabilities()
            for key, block in given.items():  # its prefs and the like merged, not replaced
                built[key] = merge(built.get(key) or {}, block)
            return built

    options = GridOptions()
    for key, value in caps.items():
        if key not in given:
            options.set_capability(key, value)
    return options


@pytest.fixture
def tggrid_driver(
    tggrid: Grid, tggrid_capabilities: dict[str, Any], _tggrid_recorder: Recorder,
) -> Iterator[Any]:
    """A Selenium ``webdriver.Remote`` on the grid, quit (and its video saved) at teardown."""
    from selenium import webdriver
    from selenium.webdriver.remote.client_config import AuthType, ClientConfig

    browser = tggrid_capabilities["browserName"]
    if problem := engines.selenium_problem(browser, list(tggrid.offers)):
        pytest.fail(problem, pytrace=False)
    options = _driver_options(browser, tggrid_capabilities)
    config = (ClientConfig(remote_server_addr=tggrid.url, auth_type=AuthType.BEARER,
                           token=tggrid.token) if tggrid.token else None)
    driver = webdriver.Remote(command_executor=tggrid.url, options=options, client_config=config)
    actual = dict(driver.capabilities)
    unrecorded = not_recorded(tggrid_capabilities, actual)
    session = _tggrid_recorder.start(driver.session_id or "", "webdriver",
                                     str(actual.get("browserName") or browser), actual,
                                     video_on(tggrid_capabilities) and not unrecorded,
                                     not_recorded=unrecorded)
    try:
        yield driver
    finally:
        def console() -> list[str]:
            if browser != "chrome":
                return [f"({browser}: its driver has no console log over classic WebDriver)"]
            return [f"{e.get('level')} {e.get('source', '')} {e.get('message')}"
                    for e in _browser_log(driver)]

        def screenshot(path: Path) -> None:
            if not driver.save_screenshot(str(path)):
                raise RuntimeError("the driver returned no image")

        _tggrid_recorder.capture(session, screenshot, console,
                                 lambda: (driver.current_url, driver.page_source))
        _tggrid_recorder.tell_outcome(session)
        driver.quit()
        _tggrid_recorder.finish(session)


def _browser_log(driver: Any) -> list[dict[str, Any]]:
    """Chromium's console through chromedriver's ``se/log`` (Selenium 4.5x dropped get_log)."""
    if getattr(driver, "get_log", None):
        return list(driver.get_log("browser"))
    driver.command_executor.add_command("tggridGetLog", "POST", "/session/$sessionId/se/log")
    return list(driver.execute("tggridGetLog", {"type": "browser"})["value"])


@pytest.fixture(scope="session")
def tggrid_playwright(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Playwright's sync API: pytest-playwright's instance when it is there (one per thread)."""
    if request.config.pluginmanager.has_plugin("playwright"):
        yield request.getfixturevalue("playwright")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def slow_mo(config: pytest.Config) -> float:
    """pytest-playwright's ``--slowmo``, which works over ``connect_over_cdp`` too."""
    try:
        return float(config.getoption("slowmo") or 0)
    except ValueError:
        return 0


@pytest.fixture
def tggrid_browser(
    request: pytest.FixtureRequest, tggrid: Grid, tggrid_playwright: Any,
    tggrid_capabilities: dict[str, Any], _tggrid_recorder: Recorder,
) -> Iterator[Any]:
    """A Chromium on the grid for Playwright (``connect_over_cdp`` to the hub's ``/cdp``);
    another --tggrid-browser is an error naming what the grid offers, never a substitute."""
    from pytest_tggrid.pw_session import PlaywrightGridSession

    engine = engines.playwright_engine(tggrid_capabilities["browserName"])
    if problem := engines.playwright_problem(engine, list(tggrid.offers)):
        pytest.fail(problem, pytrace=False)
    grid_session = PlaywrightGridSession(tggrid, tggrid_playwright, tggrid_capabilities,
                                         _tggrid_recorder, slow_mo(request.config))
    request.node.stash[_SESSION] = grid_session
    try:
        yield grid_session.browser
    finally:
        grid_session.end()


_SESSION = pytest.StashKey[Any]()


@pytest.fixture
def tggrid_page(request: pytest.FixtureRequest, tggrid_browser: Any) -> Iterator[Any]:
    """A page in the grid browser's default context; its console goes to the artifacts."""
    grid_session = request.node.stash[_SESSION]
    context = (tggrid_browser.contexts[0] if tggrid_browser.contexts
               else tggrid_browser.new_context())
    grid_session.watch(context)
    page = context.new_page()
    yield page
    grid_session.capture(page)
