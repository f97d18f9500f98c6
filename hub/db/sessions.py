"""Session history: a registry listener that writes session rows, and the queries over them.

The listener only queues writes (start, then end, in order) so the lifecycle never waits on
the database. It also writes the session audit entries: the end reason tells a quit from an
idle timeout from a failure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.callers import Caller
from hub.db.audit import AuditLog
from hub.db.engine import Database
from hub.db.models import SessionRow
from hub.db.recordings import owner_id_of
from hub.db.writer import BackgroundWriter

if TYPE_CHECKING:
    from hub.grid.session import Session

RUNNING, CLOSED, TIMEOUT, FAILED = "running", "closed", "timeout", "failed"
STATES = (RUNNING, CLOSED, TIMEOUT, FAILED)
_AUDIT_ACTIONS = {CLOSED: "session.delete", TIMEOUT: "session.timeout", FAILED: "session.failed"}


def end_state(session: Session) -> str:
    return session.end_cause.value  # closed, timeout or failed, as in STATES


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class SessionRecorder:
    """A :class:`~hub.grid.registry.SessionListener` that persists and audits sessions."""

    def __init__(self, writer: BackgroundWriter, audit: AuditLog, hub_id: str) -> None:
        self.writer = writer
        self.audit = audit
        self.hub_id = hub_id

    def _audit(self, action: str, session: Session, details: dict[str, Any],
               by: Caller | None) -> None:
        """``by`` is the client behind the act; None for the hub's own acts (idle timeout,
        a browser that died, shutdown), which then carry no address."""
        self.audit.record(
            action, user_id=owner_id_of(session.owner),
            user_email=session.owner.email if session.owner else None, resource_type="session",
            resource_id=session.id, details=details,
            ip_address=by.ip if by else None, user_agent=by.user_agent if by else None,
        )

    async def session_started(self, session: Session) -> None:
        row = SessionRow(
            id=session.id, hub_id=self.hub_id, owner_id=owner_id_of(session.owner),
            kind=session.kind, browser_name=session.browser_name,
            browser_version=str(session.capabilities.get("browserVersion", "")),
            node_id=session.slots.id, requested_capabilities=dict(session.requested),
            capabilities=dict(session.capabilities), test_name=session.options.name,
            state=RUNNING, started_at=_when(session.created_at),
        )

        async def insert(db_session: AsyncSession) -> None:
            db_session.add(row)

        self.writer.submit("session.start", insert)
        self._audit("session.create", session, {
            "browserName": row.browser_name, "browserVersion": row.browser_version,
            "node": row.node_id, "name": row.test_name}, session.client)

    async def session_ended(self, session: Session) -> None:
        state = end_state(session)
        capabilities = dict(session.capabilities)
        ended_at = dt.datetime.now(dt.UTC)

        async def update(db_session: AsyncSession) -> None:
            row = await db_session.get(SessionRow, session.id)
            if row is None:
                return
            row.state, row.failed, row.end_reason = state, session.failed, session.end_reason
            row.capabilities, row.ended_at = capabilities, ended_at

        self.writer.submit("session.end", update)
        self._audit(_AUDIT_ACTIONS[state], session, {"reason": session.end_reason},
                    session.ended_by)


@dataclasses.dataclass(frozen=True)
class SessionFilter:
    owner_id: int | None = None
    state: str | None = None
    browser: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    name: str | None = None
    limit: int = 50
    offset: int = 0


def session_json(row: SessionRow) -> dict[str, Any]:
    return {
        "id": row.id, "hubId": row.hub_id, "ownerId": row.owner_id, "kind": row.kind,
        "browserName": row.browser_name, "browserVersion": row.browser_version,
        "node": row.node_id, "requestedCapabilities": row.requested_capabilities,
        "capabilities": row.capabilities, "name": row.test_name,
        "testStatus": row.test_status, "state": row.state, "failed": row.failed,
        "endReason": row.end_reason, "startedAt": row.started_at.isoformat(),
        "endedAt": row.ended_at.isoformat() if row.ended_at else None,
    }


def _filtered(query: SessionFilter) -> Select[SessionRow]:
    statement = select(SessionRow)
    if query.owner_id is not None:
        statement = statement.where(SessionRow.owner_id == query.owner_id)
    if query.state:
        statement = statement.where(SessionRow.state == query.state)
    if query.browser:
        statement = statement.where(SessionRow.browser_name == query.browser)
    if query.start is not None:
        statement = statement.where(SessionRow.started_at >= query.start)
    if query.end is not None:
        statement = statement.where(SessionRow.started_at <= query.end)
    if query.name:
        statement = statement.where(SessionRow.test_name.contains(query.name, autoescape=True))
    return statement


async def list_sessions(db: Database, query: SessionFilter) -> list[dict[str, Any]]:
    """Newest first."""
    statement = (_filtered(query).order_by(SessionRow.started_at.desc(), SessionRow.id)
                 .limit(query.limit).offset(query.offset))
    async with db.session() as session:
        return [session_json(row) for row in await session.scalars(statement)]


async def get_session(db: Database, session_id: str, *, owner_id: int | None = None
                      ) -> dict[str, Any] | None:
    """The row, or None when missing or (with ``owner_id``) someone else's."""
    statement = select(SessionRow).where(SessionRow.id == session_id)
    if owner_id is not None:
        statement = statement.where(SessionRow.owner_id == owner_id)
    async with db.session() as session:
        row = await session.scalar(statement)
    return session_json(row) if row else None


async def hubs_of(db: Database, session_ids: Collection[str]) -> dict[str, str]:
    """session id -> the id of the hub that ran it, for the ids that have a row."""
    if not session_ids:
        return {}
    statement = select(SessionRow.id, SessionRow.hub_id).where(SessionRow.id.in_(session_ids))
    async with db.session() as session:
        return {row_id: hub for row_id, hub in await session.execute(statement)}


async def update_session(db: Database, session_id: str, **values: Any) -> dict[str, Any] | None:
    """Set ``test_status`` and/or ``test_name``."""
    changes: dict[str, Any] = {key: values[key] for key in ("test_status", "test_name")
                               if key in values}
    row = await db.update(SessionRow, session_id, changes)
    return None if row is None else session_json(row)


async def summaries_of(db: Database, session_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """session id -> its test name and browser, for pages that list other things by session
    (recordings)."""
    if not session_ids:
        return {}
    statement = (select(SessionRow.id, SessionRow.test_name, SessionRow.browser_name,
                        SessionRow.browser_version)
                 .where(SessionRow.id.in_(list(session_ids))))
    async with db.session() as session:
        return {row.id: {"name": row.test_name, "browserName": row.browser_name,
                         "browserVersion": row.browser_version}
                for row in await session.execute(statement)}
