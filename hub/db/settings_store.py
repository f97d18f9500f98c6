"""Runtime settings as key/value rows (JSON values), shared by every hub on the database.

``await get(db, "balancer", "least-connections")``,
``await set_value(db, "balancer", "round-robin")``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.db.engine import Database, rowcount
from hub.db.models import Setting, utcnow


async def get(db: Database, key: str, default: Any = None) -> Any:
    async with db.session() as session:
        row = await session.get(Setting, key)
    return default if row is None else row.value


async def get_all(db: Database) -> dict[str, Any]:
    async with db.session() as session:
        return {row.key: row.value for row in await session.scalars(select(Setting))}


async def set_value(db: Database, key: str, value: Any) -> None:
    """Insert or replace, atomically even with several hubs writing."""
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    statement = dialect.insert(Setting).values(key=key, value=value, updated_at=utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=[Setting.key],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    async with db.session() as session:
        await session.execute(statement)


async def delete_value(db: Database, key: str) -> bool:
    async with db.session() as session:
        result = await session.execute(delete(Setting).where(Setting.key == key))
    return bool(rowcount(result))
