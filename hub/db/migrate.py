"""Alembic, run programmatically: the hub upgrades on start; ``tggrid db`` does it by hand.

The migration scripts ship inside the package (``hub/db/migrations``). Alembic is handed an
open connection, so the same code serves the hub's event loop and the CLI. On PostgreSQL an
advisory lock keeps several hubs starting at once from migrating at the same time.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from hub.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_ID = 0x7467_6772  # "tggr"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def _run(db: Database, action: str, revision: str) -> None:
    def migrate(connection: Connection) -> None:
        config = alembic_config(connection)
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    async with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
            await connection.commit()
        try:
            await connection.run_sync(migrate)
            await connection.commit()
        finally:
            if db.dialect == "postgresql":
                await connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
                await connection.commit()


async def upgrade(db: Database, revision: str = "head") -> None:
    await _run(db, "upgrade", revision)


async def downgrade(db: Database, revision: str = "-1") -> None:
    await _run(db, "downgrade", revision)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision())


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
