"""Fixtures that start real hubs and clean up everything they started."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.hubs import RunningHub

HubFactory = Callable[..., RunningHub]


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[HubFactory]:
    """Start hubs with extra CLI flags; all of them are stopped and checked for leaks."""
    started: list[RunningHub] = []

    def start(*args: str, env: dict[str, str | None] | None = None,
              name: str = "hub") -> RunningHub:
        hub = RunningHub(tmp_path / f"{name}-{len(started)}", list(args), env or {})
        started.append(hub)
        return hub

    yield start
    for hub in started:
        hub.stop()
    for hub in started:
        assert_no_leftovers(hub)


def assert_no_leftovers(hub: RunningHub) -> None:
    """A stopped hub leaves no browser, driver or helper process behind."""
    deadline = time.monotonic() + 10
    while (left := hub.descendants()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left by the hub: {[p.info for p in left]}"


@pytest.fixture(scope="session")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub for the tests that only need a working grid."""
    hub = RunningHub(tmp_path_factory.mktemp("shared-hub"), ["--max-sessions", "2"], {})
    yield hub
    hub.stop()
    assert_no_leftovers(hub)
