"""This hub's presence in the database, and settling what dead hubs left behind.

Hubs sharing a database each keep a row in ``hubs`` fresh with a heartbeat and mark it stopped
on a clean shutdown. A hub that crashed stops beating; once its row is stale (or, for a hub on
this machine, its process is gone) every other hub takes it for dead: its running session
rows become failed with an audit entry, and listeners hear which hubs are alive and which are
known dead, so Docker nodes remove its containers and the recording service settles its
videos. Heartbeat and settling are two loops, so a slow Docker engine never delays a beat;
neither loop lets a database error end the hub.

A hub that cannot beat for ``dead_after`` is, to the others, dead: they have failed its
sessions and removed its containers. So it fences itself: the fence listeners hear it (the
hub ends its sessions and turns new ones away) and hear again when a beat gets through.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable

import psutil

from hub.db import hubs
from hub.db.audit import AuditLog
from hub.db.engine import Database
from hub.db.hubs import HubInfo
from hub.db.models import utcnow
from hub.processes import pid_namespace

log = logging.getLogger(__name__)
STOP_TIMEOUT = 10.0
# How long a dead hub's row is kept (its sessions and containers are settled long before).
FORGET_AFTER = dt.timedelta(days=7)
FORGET_EVERY = dt.timedelta(hours=1)


@dataclasses.dataclass(frozen=True)
class HubStates:
    """``alive``: hubs alive now, this one included. ``dead``: hubs with a row that are
    stopped or stale (a hub with no row is in neither: it may use another database)."""

    alive: frozenset[str]
    dead: frozenset[str]


Listener = Callable[[HubStates], Awaitable[object]]
FenceListener = Callable[[str | None], Awaitable[object]]  # why fenced, or None: restored


def process_gone(pid: int, started_at: dt.datetime) -> bool:
    """No such process here, or a younger one that reused the pid."""
    try:
        created = psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return True
    return created > started_at.timestamp() + 1


def machine_name() -> str:
    """This machine's name and pid namespace, as far as a hub's pid means anything: hubs in
    containers on one host's network (compose.yaml) share the host's name but not their
    process ids, so one must never judge another's liveness by its pid."""
    namespace = pid_namespace()
    return f"{socket.gethostname()} pidns:{namespace}" if namespace else socket.gethostname()


class Presence:
    def __init__(
        self, db: Database, audit: AuditLog | None, *, hub_id: str, url: str,
        interval: float, dead_after: float, host: str | None = None, pid: int | None = None,
        fencing: bool = True,
    ) -> None:
        self.db = db
        self.audit = audit
        self.hub_id = hub_id
        self.url = url
        self.interval = interval
        self.dead_after = dead_after
        self.host = host or machine_name()
        self.pid = pid or os.getpid()
        self.started_at = utcnow()
        self.listeners: list[Listener] = []
        self.fence_listeners: list[FenceListener] = []
        self.fencing = fencing  # off where no other hub can share the database (SQLite)
        self.fenced = False
        self._last_beat = self.started_at
        self._forgot_at: dt.datetime | None = None

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    # -- this hub ----------------------------------------------------------------------------

    async def register(self) -> None:
        now = utcnow()
        await hubs.register(self.db, HubInfo(
            id=self.hub_id, host=self.host, pid=self.pid, url=self.url,
            started_at=self.started_at, last_seen_at=now, stopped_at=None))
        self._last_beat = now
        log.info("hub.registered id=%s host=%s pid=%d", self.hub_id, self.host, self.pid)

    async def beat(self) -> None:
        """Renew last_seen_at (registering again if the row went missing)."""
        now = utcnow()
        if not await hubs.heartbeat(self.db, self.hub_id, now):
            log.warning("hub.row_missing id=%s", self.hub_id)
            await self.register()
        gap = (now - self._last_beat).total_seconds()
        if gap > self.dead_after:
            log.warning("hub.heartbeat_late id=%s seconds=%.0f dead_after=%g: other hubs may "
                        "have taken this one for dead", self.hub_id, gap, self.dead_after)
        self._last_beat = now

    async def stop(self) -> None:
        """Say this hub stopped cleanly; a failure is logged (the row then goes stale)."""
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await hubs.mark_stopped(self.db, self.hub_id, utcnow())
        except Exception as error:
            log.warning("hub.stop_unrecorded id=%s error=%r", self.hub_id, error)
        else:
            log.info("hub.stopped id=%s", self.hub_id)

    # -- other hubs --------------------------------------------------------------------------

    async def list_hubs(self) -> list[tuple[HubInfo, bool]]:
        """Every hub with its liveness now."""
        now = utcnow()
        return [(hub, hub.id == self.hub_id or hubs.is_alive(hub, now, self.dead_after))
                for hub in await hubs.list_hubs(self.db)]

    async def states(self) -> HubStates:
        """Alive and dead hubs; a hub of this machine whose process is gone is marked stopped
        first, so it counts as dead at once rather than after ``dead_after``."""
        alive, dead = {self.hub_id}, set[str]()
        for hub, live in await self.list_hubs():
            if hub.id == self.hub_id:
                continue
            if live and hub.host == self.host and process_gone(hub.pid, hub.started_at):
                if await hubs.mark_stopped(self.db, hub.id, utcnow()):
                    log.warning("hub.found_dead id=%s host=%s pid=%d reason=process_gone",
                                hub.id, hub.host, hub.pid)
                live = False
            (alive if live else dead).add(hub.id)
        return HubStates(frozenset(alive), frozenset(dead))

    async def settle(self) -> HubStates:
        """Fail the running sessions of hubs that are not alive, then tell the listeners."""
        async with asyncio.timeout(self.dead_after):
            states = await self.states()
            failed = await hubs.fail_sessions_of_dead_hubs(
                self.db, self.hub_id, utcnow(), self.dead_after)
        for session in failed:
            log.warning("session.settled id=%s hub=%s reason=hub_dead", session.id,
                        session.hub_id)
            if self.audit is not None:
                self.audit.record(
                    "session.failed", user_id=session.owner_id, user_email=session.owner_email,
                    resource_type="session", resource_id=session.id,
                    details={"reason": session.end_reason, "hub": session.hub_id})
        for listener in list(self.listeners):
            try:
                await listener(states)
            except Exception:
                log.exception("hub.settle_listener_failed listener=%r", listener)
        await self._forget_long_dead()
        return states

    async def _forget_long_dead(self) -> None:
        now = utcnow()
        if self._forgot_at is not None and now - self._forgot_at < FORGET_EVERY:
            return
        self._forgot_at = now
        forgotten = await hubs.forget_long_dead(self.db, now, FORGET_AFTER)
        if forgotten:
            log.info("hub.forgotten count=%d older_than_days=%d", forgotten, FORGET_AFTER.days)

    # -- fencing -----------------------------------------------------------------------------

    def since_beat(self) -> float:
        """Seconds since the last heartbeat that reached the database."""
        return (utcnow() - self._last_beat).total_seconds()

    async def _tell_fence(self, why: str | None) -> None:
        for listener in list(self.fence_listeners):
            try:
                await listener(why)
            except Exception:
                log.exception("hub.fence_listener_failed listener=%r", listener)

    async def fence(self) -> None:
        self.fenced = True
        log.error("hub.fenced id=%s seconds=%.0f dead_after=%g: other hubs take this one for "
                  "dead; ending its sessions and taking no new ones until the database answers",
                  self.hub_id, self.since_beat(), self.dead_after)
        await self._tell_fence(
            f"this hub could not reach its database for more than {self.dead_after:g} s, so "
            "the hubs sharing it took this one for dead; it takes no new sessions until the "
            "database answers again")

    async def unfence(self) -> None:
        self.fenced = False
        log.warning("hub.unfenced id=%s: the database answers again", self.hub_id)
        await self._tell_fence(None)

    # -- loops -------------------------------------------------------------------------------

    async def run_heartbeat(self) -> None:
        failing = False  # an outage is logged once, and its end
        while True:
            await asyncio.sleep(self.interval)
            # a beat that hangs is given up at the moment this hub would count as dead
            budget = max(self.interval, self.dead_after - self.since_beat())
            try:
                async with asyncio.timeout(budget):
                    await self.beat()
            except Exception as error:
                if not failing:
                    log.warning("hub.heartbeat_failed id=%s error=%r", self.hub_id, error)
                failing = True
                if self.fencing and not self.fenced and self.since_beat() > self.dead_after:
                    await self.fence()
            else:
                if failing:
                    log.info("hub.heartbeat_restored id=%s", self.hub_id)
                failing = False
                if self.fenced:
                    await self.unfence()

    async def run_settling(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.settle()
            except Exception as error:
                if not failing:
                    log.warning("hub.settle_failed id=%s error=%r", self.hub_id, error)
                failing = True
            else:
                failing = False
