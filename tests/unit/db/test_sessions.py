"""Session history rows."""

from __future__ import annotations

from hub.db.engine import Database
from hub.db.models import SessionRow
from hub.db.sessions import hubs_of


async def test_hubs_of_names_the_hub_of_each_known_session(db: Database) -> None:
    async with db.session() as session:
        session.add(SessionRow(id="a", hub_id="hub-1", state="running"))
        session.add(SessionRow(id="b", hub_id="hub-2", state="closed"))
    assert await hubs_of(db, {"a", "b", "unknown"}) == {"a": "hub-1", "b": "hub-2"}
    assert await hubs_of(db, set()) == {}
