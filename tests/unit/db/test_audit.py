"""The audit log: queued writes that never fail their caller, cursor pages, retention."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text, update

from hub.db import users
from hub.db.audit import AuditLog, AuditQuery
from hub.db.engine import Database
from hub.db.models import AuditEntry, utcnow
from hub.db.writer import BackgroundWriter


async def started(db: Database) -> tuple[BackgroundWriter, AuditLog]:
    writer = BackgroundWriter(db)
    writer.start()
    return writer, AuditLog(db, writer)


async def test_pages_walk_every_entry_newest_first(db: Database) -> None:
    writer, audit = await started(db)
    user = await users.create_user(db, email="a@example.com", password_hash="h")
    for number in range(7):
        audit.record("auth.login", user_id=user.id, user_email=user.email,
                     resource_type="user", resource_id=str(user.id),
                     details={"n": number}, ip_address="10.1.2.3", user_agent="test")
    audit.record("auth.logout", user_id=None)
    await writer.close()
    seen, cursor = [], None
    while True:
        page, cursor = await audit.query(AuditQuery(user_id=user.id, limit=3, cursor=cursor))
        seen.extend(entry["details"]["n"] for entry in page)
        if cursor is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1, 0]
    entry = (await audit.query(AuditQuery(action="auth.login", limit=1)))[0][0]
    assert entry["ipAddress"] == "10.1.2.3" and entry["userEmail"] == "a@example.com"
    assert entry["resourceType"] == "user" and entry["userAgent"] == "test"
    assert [e["action"] for e in (await audit.query(AuditQuery(action="auth.logout")))[0]] == [
        "auth.logout"]


async def test_date_filters_and_retention(db: Database) -> None:
    writer, audit = await started(db)
    audit.record("config.update")
    audit.record("node.add")
    await writer.close()
    async with db.session() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.action == "config.update")
                              .values(created_at=utcnow() - dt.timedelta(days=100)))
    recent, _ = await audit.query(AuditQuery(start=utcnow() - dt.timedelta(days=1)))
    assert [e["action"] for e in recent] == ["node.add"]
    old, _ = await audit.query(AuditQuery(end=utcnow() - dt.timedelta(days=50)))
    assert [e["action"] for e in old] == ["config.update"]
    assert await audit.purge(90) == 1
    assert [e["action"] for e in (await audit.query(AuditQuery()))[0]] == ["node.add"]


async def test_a_failing_write_neither_raises_nor_stops_later_ones(db: Database) -> None:
    writer, audit = await started(db)
    audit.record("auth.login", user_id=999_999)  # no such user: the foreign key refuses it
    async with db.engine.connect() as connection:
        if db.dialect == "sqlite":
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await writer.flush()
    audit.record("auth.logout")
    await writer.close()
    assert writer.failures == 1
    entries, _ = await audit.query(AuditQuery())
    assert [e["action"] for e in entries] == ["auth.logout"]
    assert writer.submit("late", lambda session: None) is False  # closed: dropped, no error
