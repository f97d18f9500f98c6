"""Wire the database into the hub: engine, schema upgrade, background writer, audit log,
session history, then this hub's presence (its own cleanup context, after the database's).
Registered first among the features, so everything after may use it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from aiohttp import web

from hub.background import cancel_and_wait, every
from hub.config import Settings
from hub.db import migrate
from hub.db.audit import AuditLog
from hub.db.engine import Database, database_url
from hub.db.presence import FenceListener, Listener, Presence
from hub.db.sessions import SessionRecorder
from hub.db.writer import BackgroundWriter
from hub.keys import (
    AUDIT,
    DATABASE,
    DB_WRITER,
    HUB_ID,
    PRESENCE,
    REGISTRY,
    SETTINGS,
)

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 3600.0

# Who hears from this hub's presence, set by the app before the features: which hubs are dead
# (nodes remove what they left), and when this hub must fence itself (the grid stops).
HUB_STATE_LISTENERS = web.AppKey("hub_state_listeners", list[Listener])
FENCE_LISTENERS = web.AppKey("fence_listeners", list[FenceListener])


async def _purge(audit: AuditLog, days: int) -> None:
    removed = await audit.purge(days)
    if removed:
        log.info("audit.purged entries=%d older_than_days=%d", removed, days)


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(database_url(settings))
    try:
        await migrate.upgrade(db)
    except BaseException:
        await db.close()
        raise
    log.info("db.ready dialect=%s revision=%s", db.dialect, migrate.head_revision())
    writer = BackgroundWriter(db)
    writer.start()
    audit = AuditLog(db, writer)
    app[DATABASE], app[DB_WRITER], app[AUDIT] = db, writer, audit
    app[REGISTRY].subscribe(SessionRecorder(writer, audit, app[HUB_ID]))
    retention = None
    if settings.audit_retention_days > 0:
        days = settings.audit_retention_days
        retention = asyncio.create_task(every(
            RETENTION_INTERVAL, lambda: _purge(audit, days), "audit.purge_failed", first=True))
    yield
    if retention is not None:
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention
    await app[REGISTRY].drain_listeners()
    await writer.close()
    await db.close()


def hub_url(settings: Settings) -> str:
    """Where other hubs reach this one (``advertise_url``; shown in /api/hubs): its own
    address, never ``public_url``, which behind a load balancer is the balancer's."""
    if settings.advertise_url:
        return settings.advertise_url.rstrip("/")
    host = settings.host
    if host in {"0.0.0.0", "::", ""}:
        host = socket.gethostname()
    return f"http://{host}:{settings.port}"


async def _presence_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    presence = Presence(app[DATABASE], app[AUDIT], hub_id=app[HUB_ID], url=hub_url(settings),
                        interval=settings.hub_heartbeat_interval,
                        dead_after=settings.hub_dead_after,
                        fencing=app[DATABASE].dialect != "sqlite")
    await presence.register()
    app[PRESENCE] = presence

    for listener in app.get(HUB_STATE_LISTENERS) or []:
        presence.subscribe(listener)
    fences = app.get(FENCE_LISTENERS)
    presence.fence_listeners.extend(fences or [])
    await presence.settle()  # before the hub answers: no dead hub's session reads as running
    tasks = [asyncio.create_task(presence.run_heartbeat(), name="hub-heartbeat"),
             asyncio.create_task(presence.run_settling(), name="hub-settling")]
    yield
    await cancel_and_wait(tasks)
    await app[DB_WRITER].flush()  # session ends first: stopped with rows running would be failed
    await presence.stop()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(_presence_ctx)
