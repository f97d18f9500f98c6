"""The audit log: entries written off the request path, read back with cursor paging.

:meth:`AuditLog.record` only queues the entry (see :mod:`hub.db.writer`), so an audit write
can neither slow down nor break the request it records. Pages are newest first; the cursor
is the id of the last entry of the previous page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database, rowcount
from hub.db.models import AuditEntry, utcnow
from hub.db.writer import BackgroundWriter

log = logging.getLogger(__name__)

ACTIONS = frozenset({
    "auth.register", "auth.login", "auth.login.failed", "auth.lockout", "auth.logout",
    "auth.2fa.enable", "auth.2fa.verify", "auth.2fa.verify.failed", "auth.2fa.cancel",
    "auth.2fa.disable", "auth.token.create",
    "auth.token.revoke", "session.create", "session.delete", "session.timeout",
    "session.failed", "user.update", "user.create", "user.delete", "user.password.reset",
    "user.password.change", "user.2fa.reset", "config.update", "node.add", "node.remove",
    "node.drain",
})


@dataclasses.dataclass(frozen=True)
class AuditQuery:
    user_id: int | None = None
    action: str | None = None
    resource_type: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    limit: int = 50
    cursor: int | None = None
    action_prefix: str | None = None  # "auth." finds every sign-in act
    email: str | None = None  # any part of the actor's email


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "userId": entry.user_id, "userEmail": entry.user_email,
        "action": entry.action, "resourceType": entry.resource_type,
        "resourceId": entry.resource_id, "details": entry.details or {},
        "ipAddress": entry.ip_address, "userAgent": entry.user_agent,
        "timestamp": entry.created_at.isoformat(),
    }


class AuditLog:
    def __init__(self, db: Database, writer: BackgroundWriter) -> None:
        self.db = db
        self.writer = writer

    def record(
        self, action: str, *, user_id: int | None = None, user_email: str | None = None,
        resource_type: str | None = None, resource_id: str | None = None,
        details: dict[str, Any] | None = None, ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        """Queue one entry; returns at once."""
        if action not in ACTIONS:
            log.warning("audit.unknown_action action=%s", action)
        entry = AuditEntry(
            user_id=user_id, user_email=user_email, action=action, resource_type=resource_type,
            resource_id=None if resource_id is None else str(resource_id)[:128],
            details=details or {}, ip_address=ip_address,
            user_agent=(user_agent or None) and user_agent[:512], created_at=utcnow(),
        )

        async def write(session: AsyncSession) -> None:
            session.add(entry)

        self.writer.submit(f"audit:{action}", write)

    async def query(self, query: AuditQuery) -> tuple[list[dict[str, Any]], int | None]:
        """One page and the cursor of the next (None on the last page)."""
        statement = select(AuditEntry)
        if query.user_id is not None:
            statement = statement.where(AuditEntry.user_id == query.user_id)
        if query.action:
            statement = statement.where(AuditEntry.action == query.action)
        if query.action_prefix:
            statement = statement.where(
                AuditEntry.action.startswith(query.action_prefix, autoescape=True))
        if query.email:
            statement = statement.where(
                AuditEntry.user_email.icontains(query.email, autoescape=True))
        if query.resource_type:
            statement = statement.where(AuditEntry.resource_type == query.resource_type)
        if query.start is not None:
            statement = statement.where(AuditEntry.created_at >= query.start)
        if query.end is not None:
            statement = statement.where(AuditEntry.created_at <= query.end)
        if query.cursor is not None:
            statement = statement.where(AuditEntry.id < query.cursor)
        statement = statement.order_by(AuditEntry.id.desc()).limit(query.limit + 1)
        async with self.db.session() as session:
            rows = list(await session.scalars(statement))
        page = rows[:query.limit]
        next_cursor = page[-1].id if len(rows) > query.limit else None
        return [entry_json(row) for row in page], next_cursor

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        async with self.db.session() as session:
            row = await session.get(AuditEntry, entry_id)
        return entry_json(row) if row else None

    async def purge(self, older_than_days: int) -> int:
        """Delete entries past retention; returns how many."""
        cutoff = utcnow() - dt.timedelta(days=older_than_days)
        async with self.db.session() as session:
            result = await session.execute(
                delete(AuditEntry).where(AuditEntry.created_at < cutoff))
        return rowcount(result)
