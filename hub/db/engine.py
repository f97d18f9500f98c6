"""The database engine: one per hub, built from ``database_url``, disposed on shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.config import Settings

DB_FILE = "tggrid.db"


T = TypeVar("T")


def database_url(settings: Settings) -> str:
    """The configured URL, or SQLite in the data dir; ``postgresql://`` gets the asyncpg driver."""
    url = settings.database_url or f"sqlite+aiosqlite:///{settings.data_path / DB_FILE}"
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"),
                          ("postgres://", "postgresql+asyncpg://"),
                          ("sqlite://", "sqlite+aiosqlite://")):
        if url.startswith(plain):
            url = driver + url[len(plain):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """The engine and a session factory; ``async with db.session() as s`` is a transaction."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # it holds password hashes: owner only (WAL files follow)
                path.touch(mode=0o600)
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=self.dialect != "sqlite")
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def update(self, model: type[T], key: Any, values: dict[str, Any]) -> T | None:
        """Set columns on the row with primary key ``key``; None when there is no such row."""
        async with self.session() as session:
            row = await session.get(model, key)
            if row is None:
                return None
            for name, value in values.items():
                setattr(row, name, value)
        return row

    async def close(self) -> None:
        await self.engine.dispose()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (its result is a cursor result; the stubs say Result)."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)
