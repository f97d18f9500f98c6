"""The plugin against a hub whose Chrome is a relay node (which records nothing): tests pass
or fail on their own, no video is waited for or reported missing, and the run says once that
the node does not record."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pytest_tggrid.grid import NOT_RECORDED
from tests.integration.scaling.conftest import (
    ALLOW_RELAY_BINARY,
    RELAY_CHROME,
    Chromedriver,
    add_relay,
)
from tests.plugin.conftest import RunSuite, results_dir, session_info
from tests.plugin.conftest import test_folder as folder_of
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.browser]

SUITE = """
import pytest

@pytest.mark.parametrize("title", ["ok", "missing"])
def test_title(tggrid_driver, title):
    tggrid_driver.get("data:text/html,<title>ok</title>")
    assert tggrid_driver.title == title
"""


@pytest.fixture
def upstream() -> Iterator[Chromedriver]:
    """The bare chromedriver the relay passes sessions to."""
    driver = Chromedriver()
    yield driver
    driver.stop()


def test_a_relay_session_runs_without_a_video_and_the_run_says_why(
    pytester: pytest.Pytester, run_suite: RunSuite, hub_factory: HubFactory,
    upstream: Chromedriver,
) -> None:
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY)
    add_relay(hub, upstream, "relay-plugin", max_sessions=1)
    pytester.makepyfile(test_suite=SUITE)

    result = run_suite("--tggrid", "--tggrid-url", hub.url, "--tggrid-video", "on",
                       "--tggrid-capability", "goog:chromeOptions",
                       json.dumps(RELAY_CHROME["goog:chromeOptions"]), timeout=120)

    result.assert_outcomes(passed=1, failed=1)
    said = [line for line in result.outlines if "does not record video" in line]
    assert said == ["tggrid: the grid's node for chrome sessions does not record video: tests "
                    "on it run without one (no video is waited for)"], result.outlines
    for name in ("test_title-ok", "test_title-missing"):
        folder = folder_of(results_dir(pytester), name)
        info = session_info(folder)
        assert info["notes"] == [NOT_RECORDED], info
        assert "video" not in info["files"] and "video" not in info["urls"], info
        assert not (folder / "video.mp4").exists()
    assert "no video:" not in result.stdout.str()  # the old note of a failed download
