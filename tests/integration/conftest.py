"""Real browsers through real hubs."""

from __future__ import annotations

import pytest

from hub.nodes.browsers import detect_firefox

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def firefox_available() -> bool:
    return detect_firefox() is not None
