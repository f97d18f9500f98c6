"""Who owns what: user ids to email addresses, for the columns that name a user."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import User


async def emails(db: Database, only: int | None = None) -> dict[int, str]:
    """Every user's email (admins see all owners), or just ``only``'s."""
    statement = select(User.id, User.email)
    if only is not None:
        statement = statement.where(User.id == only)
    async with db.session() as session:
        return {row.id: row.email for row in await session.execute(statement)}
