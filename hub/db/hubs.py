"""The hubs table: which hubs use this database, whether each is alive, and settling the
sessions of those that are not.

A hub is alive while it has not said it stopped and its last heartbeat is recent
(:func:`is_alive`). Times come from each hub's own clock, so hubs' clocks must agree to well
within ``dead_after``. Every write here is one statement, safe when several hubs run it at
once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import delete, literal, or_, select, update

from hub.db.engine import Database, rowcount
from hub.db.models import HubRow, SessionRow, User

RUNNING, FAILED = "running", "failed"


@dataclasses.dataclass(frozen=True)
class HubInfo:
    id: str
    host: str
    pid: int
    url: str
    started_at: dt.datetime
    last_seen_at: dt.datetime
    stopped_at: dt.datetime | None

    def to_json(self, alive: bool) -> dict[str, Any]:
        return {
            "id": self.id, "host": self.host, "pid": self.pid, "url": self.url,
            "alive": alive, "startedAt": self.started_at.isoformat(),
            "lastSeenAt": self.last_seen_at.isoformat(),
            "stoppedAt": self.stopped_at.isoformat() if self.stopped_at else None,
        }


@dataclasses.dataclass(frozen=True)
class FailedSession:
    """A session row this call moved from running to failed (no other hub got it too)."""

    id: str
    hub_id: str
    owner_id: int | None
    owner_email: str | None
    end_reason: str


def _info(row: HubRow) -> HubInfo:
    return HubInfo(id=row.id, host=row.host, pid=row.pid, url=row.url,
                   started_at=row.started_at, last_seen_at=row.last_seen_at,
                   stopped_at=row.stopped_at)


def is_alive(hub: HubInfo, now: dt.datetime, dead_after: float) -> bool:
    """Not stopped, and seen within ``dead_after`` seconds of ``now``."""
    return hub.stopped_at is None and now - hub.last_seen_at <= dt.timedelta(seconds=dead_after)


def failed_reason(hub_id: str) -> str:
    return f"hub {hub_id} stopped while the session ran"


async def register(db: Database, hub: HubInfo) -> None:
    """Insert this hub's row, or renew it when the id comes back (stopped_at cleared)."""
    async with db.session() as session:
        row = await session.get(HubRow, hub.id)
        if row is None:
            session.add(HubRow(**dataclasses.asdict(hub)))
            return
        for name, value in dataclasses.asdict(hub).items():
            setattr(row, name, value)


async def heartbeat(db: Database, hub_id: str, now: dt.datetime) -> bool:
    """Set last_seen_at; False when the row is gone (the caller registers again)."""
    async with db.session() as session:
        result = await session.execute(
            update(HubRow).where(HubRow.id == hub_id).values(last_seen_at=now, stopped_at=None))
    return bool(rowcount(result))


async def mark_stopped(db: Database, hub_id: str, now: dt.datetime) -> bool:
    """Say the hub stopped (once: an earlier stop time is kept). True when this call did."""
    async with db.session() as session:
        result = await session.execute(
            update(HubRow).where(HubRow.id == hub_id, HubRow.stopped_at.is_(None))
            .values(stopped_at=now))
    return bool(rowcount(result))


async def list_hubs(db: Database) -> list[HubInfo]:
    """Every hub row, most recently seen first."""
    async with db.session() as session:
        rows = await session.scalars(select(HubRow).order_by(HubRow.last_seen_at.desc()))
        return [_info(row) for row in rows]


async def fail_sessions_of_dead_hubs(
    db: Database, hub_id: str, now: dt.datetime, dead_after: float,
) -> list[FailedSession]:
    """Running sessions whose hub is not alive (no row, stopped, or stale) become failed,
    naming the hub; ``hub_id``'s own rows are never touched. One UPDATE ... RETURNING: when
    hubs settle at once, each row is returned to exactly one of them."""
    cutoff = now - dt.timedelta(seconds=dead_after)
    alive = select(HubRow.id).where(HubRow.stopped_at.is_(None), HubRow.last_seen_at >= cutoff)
    reason = literal("hub ") + SessionRow.hub_id + literal(" stopped while the session ran")
    statement = (
        update(SessionRow)
        .where(SessionRow.state == RUNNING, SessionRow.hub_id != hub_id,
               SessionRow.hub_id.not_in(alive))
        .values(state=FAILED, failed=True, end_reason=reason, ended_at=now)
        .returning(SessionRow.id, SessionRow.hub_id, SessionRow.owner_id,
                   SessionRow.end_reason)
        .execution_options(synchronize_session=False)
    )
    async with db.session() as session:
        changed = (await session.execute(statement)).all()
        owners = {owner for _, _, owner, _ in changed if owner is not None}
        emails = dict((await session.execute(
            select(User.id, User.email).where(User.id.in_(owners)))).all()) if owners else {}
    return [FailedSession(id=id_, hub_id=hub, owner_id=owner,
                          owner_email=emails.get(owner) if owner is not None else None,
                          end_reason=text or failed_reason(hub))
            for id_, hub, owner, text in changed]


async def forget_long_dead(db: Database, now: dt.datetime, keep: dt.timedelta) -> int:
    """Delete the rows of hubs stopped, or silent, for longer than ``keep``: one row is made
    per hub start, so without this the table only grows. By then their sessions are settled
    and their containers reaped; a hub that comes back registers again. Returns how many."""
    cutoff = now - keep
    async with db.session() as session:
        result = await session.execute(delete(HubRow).where(or_(
            HubRow.stopped_at < cutoff,
            HubRow.stopped_at.is_(None) & (HubRow.last_seen_at < cutoff))))
    return rowcount(result)
