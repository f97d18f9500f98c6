"""Session history rows."""

from __future__ import annotations

from hub.db.engine import Database
from hub.db.models import SessionRow
from hub.db.sessions import fail_abandoned, get_session


async def test_sessions_left_running_by_a_crash_are_marked_failed(db: Database) -> None:
    async with db.session() as session:
        session.add(SessionRow(id="left-over", hub_id="old", state="running"))
        session.add(SessionRow(id="done", hub_id="old", state="closed"))
    assert await fail_abandoned(db, "the hub stopped while it ran") == 1
    row = await get_session(db, "left-over")
    assert row is not None and row["state"] == "failed" and row["failed"]
    assert row["endReason"] == "the hub stopped while it ran" and row["endedAt"]
    done = await get_session(db, "done")
    assert done is not None and done["state"] == "closed"
