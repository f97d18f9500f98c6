"""Registered only with ``--tggrid`` and pytest-playwright installed: its ``browser`` comes
from the grid, so an existing Playwright suite runs there unchanged.

Registered after pytest-playwright, so this ``browser`` wins. It is function-scoped (one grid
session per test, named after it, with its own video) where pytest-playwright's is per run.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def browser(tggrid_browser: Any) -> Any:
    """pytest-playwright's ``browser``, as a Chromium on the grid."""
    return tggrid_browser
