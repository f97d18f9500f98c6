"""Fixtures: the grid, capabilities, a Selenium driver and Playwright over the hub's ``/cdp``.

They build on each other (``tggrid -> tggrid_capabilities -> tggrid_driver``), so a suite
overrides one of them to configure the rest, as with pytest-playwright.
"""

from __future__ import annotations

import copy
import dataclasses
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid.artifacts import Recorder, slug
from pytest_tggrid.hub import HubClient, HubError
from pytest_tggrid.options import Options

OPTIONS = pytest.StashKey[Options]()
HUB_URL = pytest.StashKey[str]()
CDP_OPTIONS = ("name", "enableVideo", "enableVNC", "screenResolution", "videoName", "timeZone",
               "sessionTimeout")


@dataclasses.dataclass(frozen=True)
class Grid:
    """The hub of this run: its URL, the token and a client for its ``/api``."""

    url: str
    token: str
    options: Options
    client: HubClient

    @property
    def webdriver_url(self) -> str:
        return self.url

    def cdp_url(self, tggrid_options: dict[str, Any]) -> str:
        """``ws://<hub>/cdp?...``: the session options travel as query parameters."""
        query = {key: _text(value) for key, value in tggrid_options.items()
                 if key in CDP_OPTIONS}
        base = "ws" + self.url.removeprefix("http")
        return f"{base}/cdp?{urllib.parse.urlencode(query)}"


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Capabilities merged one level deep, so ``tggrid:options`` from a mark adds to the run's."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


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
    return Grid(url, options.token, options, client)


@pytest.fixture(scope="session")
def tggrid_session_capabilities(tggrid: Grid) -> dict[str, Any]:
    """Capabilities of every session in the run: --tggrid-capability and the media modes."""
    caps = _merge({}, tggrid.options.capabilities)
    wanted = {"enableVideo": tggrid.options.video != "off", "enableVNC": tggrid.options.vnc}
    caps["tggrid:options"] = {**wanted, **caps.get("tggrid:options", {})}
    return caps


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
    caps = _merge(tggrid_session_capabilities, {"browserName": tggrid_browser_name})
    for mark in reversed(list(request.node.iter_markers("tggrid_capabilities"))):
        caps = _merge(caps, dict(mark.kwargs))
    names = {"name": request.node.nodeid, "videoName": slug(request.node.nodeid)}
    caps["tggrid:options"] = {**names, **caps.get("tggrid:options", {})}
    if caps["browserName"] == "chrome":
        caps.setdefault("goog:loggingPrefs", {"browser": "ALL"})
    return caps


@pytest.fixture
def _tggrid_recorder(request: pytest.FixtureRequest, tggrid: Grid) -> Recorder:
    return Recorder(request.node, tggrid.options, tggrid.client)


def _video_on(caps: dict[str, Any]) -> bool:
    return bool((caps.get("tggrid:options") or {}).get("enableVideo"))


@pytest.fixture
def tggrid_driver(
    tggrid: Grid, tggrid_capabilities: dict[str, Any], _tggrid_recorder: Recorder,
) -> Iterator[Any]:
    """A Selenium ``webdriver.Remote`` on the grid, quit (and its video saved) at teardown."""
    from selenium import webdriver
    from selenium.webdriver.remote.client_config import AuthType, ClientConfig

    browser = tggrid_capabilities["browserName"]
    options = webdriver.FirefoxOptions() if browser == "firefox" else webdriver.ChromeOptions()
    for key, value in tggrid_capabilities.items():
        options.set_capability(key, value)
    config = (ClientConfig(remote_server_addr=tggrid.url, auth_type=AuthType.BEARER,
                           token=tggrid.token) if tggrid.token else None)
    driver = webdriver.Remote(command_executor=tggrid.url, options=options, client_config=config)
    session = _tggrid_recorder.start(driver.session_id or "", "webdriver", browser,
                                     dict(driver.capabilities), _video_on(tggrid_capabilities))
    try:
        yield driver
    finally:
        def console() -> list[str]:
            if browser == "firefox":
                return ["(Firefox: geckodriver has no console log over classic WebDriver)"]
            return [f"{e.get('level')} {e.get('source', '')} {e.get('message')}"
                    for e in _browser_log(driver)]

        def screenshot(path: Path) -> None:
            if not driver.save_screenshot(str(path)):
                raise RuntimeError("the driver returned no image")

        _tggrid_recorder.capture(session, screenshot, console)
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


@pytest.fixture
def tggrid_browser(
    request: pytest.FixtureRequest, tggrid: Grid, tggrid_playwright: Any,
    tggrid_capabilities: dict[str, Any], _tggrid_recorder: Recorder,
) -> Iterator[Any]:
    """A Chromium on the grid for Playwright (``connect_over_cdp`` to the hub's ``/cdp``)."""
    tggrid_options = tggrid_capabilities.get("tggrid:options", {})
    headers = tggrid.client.headers()
    browser = tggrid_playwright.chromium.connect_over_cdp(
        tggrid.cdp_url(tggrid_options), headers=headers, timeout=120_000)
    session_id = tggrid.client.find_running(str(tggrid_options.get("name"))) or "unknown"
    caps = {"browserName": "chrome", "browserVersion": browser.version,
            "tggrid:options": {k: v for k, v in tggrid_options.items() if k in CDP_OPTIONS}}
    session = _tggrid_recorder.start(session_id, "cdp", "chrome", caps,
                                     _video_on(tggrid_capabilities))
    console_lines: list[str] = []
    request.node.stash[_CONSOLE] = console_lines
    try:
        yield browser
    finally:
        def screenshot(path: Path) -> None:
            pages = [p for context in browser.contexts for p in context.pages]
            if not pages:
                raise RuntimeError("the browser has no open page")
            pages[-1].screenshot(path=str(path))

        _tggrid_recorder.capture(session, screenshot, lambda: console_lines
                                 or ["(no console messages seen by tggrid_page)"])
        _tggrid_recorder.tell_outcome(session)
        browser.close()
        _tggrid_recorder.finish(session)


_CONSOLE = pytest.StashKey[list[str]]()


@pytest.fixture
def tggrid_page(request: pytest.FixtureRequest, tggrid_browser: Any) -> Any:
    """A page in the grid browser's default context; its console goes to the artifacts."""
    context = (tggrid_browser.contexts[0] if tggrid_browser.contexts
               else tggrid_browser.new_context())
    page = context.new_page()
    lines = request.node.stash[_CONSOLE]
    page.on("console", lambda message: lines.append(f"{message.type}: {message.text}"))
    return page
