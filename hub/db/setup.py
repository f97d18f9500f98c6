"""Wire the database into the hub: engine, schema upgrade, background writer, audit log,
session history. Registered first among the features, so everything after may use it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.db import migrate
from hub.db.audit import AuditLog
from hub.db.engine import Database, database_url
from hub.db.sessions import SessionRecorder, fail_abandoned
from hub.db.writer import BackgroundWriter
from hub.keys import AUDIT, DATABASE, DB_WRITER, HUB_ID, REGISTRY, SETTINGS

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 3600.0


async def _retention(audit: AuditLog, days: int) -> None:
    while True:
        try:
            removed = await audit.purge(days)
            if removed:
                log.info("audit.purged entries=%d older_than_days=%d", removed, days)
        except Exception:
            log.exception("audit.purge_failed")
        await asyncio.sleep(RETENTION_INTERVAL)


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(database_url(settings))
    try:
        await migrate.upgrade(db)
    except BaseException:
        await db.close()
        raise
    log.info("db.ready dialect=%s revision=%s", db.dialect, migrate.head_revision())
    if db.dialect == "sqlite":
        abandoned = await fail_abandoned(db, "the hub stopped while it ran")
        if abandoned:
            log.warning("sessions.abandoned count=%d", abandoned)
    writer = BackgroundWriter(db)
    writer.start()
    audit = AuditLog(db, writer)
    app[DATABASE], app[DB_WRITER], app[AUDIT] = db, writer, audit
    app[REGISTRY].subscribe(SessionRecorder(writer, audit, app[HUB_ID]))
    retention = None
    if settings.audit_retention_days > 0:
        retention = asyncio.create_task(_retention(audit, settings.audit_retention_days))
    yield
    if retention is not None:
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention
    await app[REGISTRY].drain_listeners()
    await writer.close()
    await db.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_database_ctx)
