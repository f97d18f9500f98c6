"""Migrations: from empty to head, one step down and back, and models that match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hub.db import migrate
from hub.db.engine import Database
from hub.db.models import Base

TABLES = {"users", "api_tokens", "backup_codes", "audit_log", "settings", "sessions",
          "recordings", "hubs", "login_failures"}


async def tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def drift(db: Database) -> list[object]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))


async def test_upgrade_from_empty_creates_every_table(empty_db: Database) -> None:
    assert await migrate.current_revision(empty_db) is None
    await migrate.upgrade(empty_db)
    assert await migrate.current_revision(empty_db) == migrate.head_revision()
    assert await tables(empty_db) == TABLES


async def test_models_match_the_migrations(db: Database) -> None:
    assert await drift(db) == []


async def test_downgrade_one_step_and_back(db: Database) -> None:
    await migrate.downgrade(db, "-1")
    assert await migrate.current_revision(db) == "0002"
    assert await tables(db) == TABLES - {"hubs", "login_failures"}
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()
    assert await tables(db) == TABLES


async def test_downgrade_to_base_leaves_nothing(db: Database) -> None:
    await migrate.downgrade(db, "base")
    assert await tables(db) == set()
    assert await migrate.current_revision(db) is None


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()
