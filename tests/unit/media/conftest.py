"""Media tests use the real X server, VNC server and encoder this machine has."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.media.displays import Display, DisplayAllocator


@pytest.fixture
def hub_id() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def allocator(hub_id: str) -> DisplayAllocator:
    return DisplayAllocator(hub_id)


@pytest.fixture
async def display(allocator: DisplayAllocator, tmp_path: Path) -> AsyncIterator[Display]:
    screen = await allocator.start(f"tag-{uuid.uuid4().hex}", 320, 240, 24, tmp_path)
    yield screen
    await screen.stop()
