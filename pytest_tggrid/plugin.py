"""The pytest plugin entry point (``pytest11: tggrid``): hooks that tie options, the hub,
fixtures and reports together. ``pytest --tggrid`` runs browser tests on a TGGrid hub."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_tggrid import output, reporting
from pytest_tggrid.artifacts import LIVE_LINKS, PHASES, RESULTS
from pytest_tggrid.fixtures import (  # noqa: F401 - fixtures are found by name here
    EMBEDDED_URL,
    HUB_URL,
    OPTIONS,
    _tggrid_recorder,
    tggrid,
    tggrid_browser,
    tggrid_browser_name,
    tggrid_capabilities,
    tggrid_driver,
    tggrid_page,
    tggrid_playwright,
    tggrid_session_capabilities,
)
from pytest_tggrid.hub import EmbeddedHub
from pytest_tggrid.junit import JUnitAttachments, xml_path
from pytest_tggrid.options import add_options, resolve

EMBEDDED = pytest.StashKey[EmbeddedHub]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """First, so the output folder is checked before pytest-html writes its report there."""
    config.addinivalue_line(
        "markers", "tggrid_capabilities(**caps): extra capabilities for this test's session")
    options = resolve(config)
    config.stash[OPTIONS] = options
    if not options.enabled:
        return
    if config.pluginmanager.has_plugin("playwright"):
        config.pluginmanager.import_plugin("pytest_tggrid.playwright_grid")
        if not _is_worker(config):
            from pytest_tggrid.playwright_grid import configure_warnings

            configure_warnings(config)
    if _is_worker(config):
        config.stash[HUB_URL] = config.workerinput["tggrid_url"]  # type: ignore[attr-defined]
        config.stash[EMBEDDED_URL] = bool(
            config.workerinput.get("tggrid_embedded"))  # type: ignore[attr-defined]
        return
    if config.option.collectonly:
        config.stash[HUB_URL] = "(no hub: --collect-only)"
        return
    output.prepare(Path(options.output), config.rootpath, config.invocation_params.dir)
    config.pluginmanager.register(Collector(config), "tggrid-collector")
    if junit_xml := xml_path(config):
        config.pluginmanager.register(JUnitAttachments(junit_xml), "tggrid-junit")
    if options.url:
        config.stash[HUB_URL] = options.url
        return
    try:
        hub = EmbeddedHub()
        hub.wait_ready()
    except RuntimeError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[EMBEDDED] = hub
    config.stash[EMBEDDED_URL] = True
    config.stash[HUB_URL] = hub.url


def pytest_unconfigure(config: pytest.Config) -> None:
    hub = config.stash.get(EMBEDDED, None)
    if hub is not None:
        hub.stop()
        del config.stash[EMBEDDED]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker talks to the controller's hub."""
    url = node.config.stash.get(HUB_URL, None)
    if url:
        node.workerinput["tggrid_url"] = url
        node.workerinput["tggrid_embedded"] = node.config.stash.get(EMBEDDED_URL, False)


def pytest_report_header(config: pytest.Config) -> str | None:
    url = config.stash.get(HUB_URL, None)
    if url is None:
        return None
    if url.startswith("("):
        return f"tggrid: {url}"
    kind = "embedded" if EMBEDDED in config.stash else "given"
    return f"tggrid: hub {url} ({kind}), artifacts in {config.stash[OPTIONS].output}/"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    options = metafunc.config.stash[OPTIONS]
    if (options.enabled and len(options.browsers) > 1
            and "tggrid_browser_name" in metafunc.fixturenames):
        metafunc.parametrize("tggrid_browser_name", options.browsers, indirect=True,
                             ids=options.browsers)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None],
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep phase reports on the item for the fixtures; put artifacts on the teardown report."""
    report = yield
    item.stash.setdefault(PHASES, {})[report.when] = report
    if report.when == "setup" and _is_worker(item.config) and item.stash.get(LIVE_LINKS, None):
        report.tggrid_live = item.stash[LIVE_LINKS]  # type: ignore[attr-defined]
    if report.when == "teardown" and item.stash.get(RESULTS, None):
        reporting.decorate(report, item.stash[RESULTS], item.config)
    return report


class Collector:
    """On the controller (or a plain run): gathers failing tests' artifacts from reports,
    including those that xdist workers send, for the terminal and CI summaries, and lists
    every folder written in the output folder's marker (one writer, even under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.failures: list[dict[str, Any]] = []
        self.said: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if report.when == "setup" and terminal is not None:
            for line in getattr(report, "tggrid_live", ()):  # from an xdist worker
                if line not in self.said:  # each worker says its say-once lines once
                    self.said.add(line)
                    terminal.write_line(line)
        results = getattr(report, "tggrid", None)
        if report.when == "teardown" and results:
            self.failures.extend(r for r in results if r.get("outcome") == "failed")
            # at once, so a run that dies half-way still lists what it wrote
            output.remember(Path(self.config.stash[OPTIONS].output),
                            [r["folder"] for r in results])

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        reporting.terminal_summary(terminalreporter, self.failures)

    def pytest_sessionfinish(self) -> None:
        reporting.github_summary(self.failures, self.config.stash[HUB_URL],
                                 self.config.stash.get(EMBEDDED_URL, False))
