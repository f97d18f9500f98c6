"""Every data-layer test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.db import migrate
from hub.db.engine import Database
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url").replace(
        "postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
async def empty_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.close()


@pytest.fixture
async def db(empty_db: Database) -> Database:
    await migrate.upgrade(empty_db)
    return empty_db
