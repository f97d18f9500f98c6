"""Brute-force throttling: failures per account and per client address lock them for a while.

The counts live in the ``login_failures`` table, so every hub on one database enforces the
same lockout and a restart forgives nothing. Counting the address too stops one client trying
many accounts; its limit is higher because offices share one. Each failure locks its rows
(account before address, so two hubs never wait on each other in a cycle) with an
``INSERT ... ON CONFLICT DO UPDATE`` and updates them in one transaction: concurrent
failures on several hubs are all counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database, rowcount
from hub.db.models import LoginFailures

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = 15 * 60.0
LOCK = 15 * 60.0
PRUNE_EVERY = 60.0
KEY_LENGTH = 400  # LoginFailures.key


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def row_key(kind: str, value: str) -> str:
    """``account:<email>`` or ``address:<ip>``; an over-long value (a junk email) is hashed."""
    key = f"{kind}:{value}"
    if len(key) > KEY_LENGTH:
        key = f"{kind}:sha256:{hashlib.sha256(value.encode()).hexdigest()}"
    return key


class Throttle:
    def __init__(self, db: Database, *, account_limit: int = ACCOUNT_LIMIT,
                 address_limit: int = ADDRESS_LIMIT, window: float = WINDOW,
                 lock: float = LOCK, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives Unix seconds: wall time, because the rows are shared between hubs."""
        self.db = db
        self.limits = {"account": account_limit, "address": address_limit}
        self.window = window
        self.lock = lock
        self.clock = clock
        self._pruned_at = float("-inf")

    @staticmethod
    def _keys(account: str, address: str) -> list[tuple[str, str]]:
        return [("account", row_key("account", account)), ("address", row_key("address", address))]

    async def locked_for(self, account: str, address: str) -> float:
        """Seconds until both keys may try again (0: not locked)."""
        now = self.clock()
        keys = [key for _, key in self._keys(account, address)]
        async with self.db.session() as session:
            result = await session.execute(
                select(LoginFailures.locked_until).where(
                    LoginFailures.key.in_(keys), LoginFailures.locked_until > _when(now)))
            until = [row[0] for row in result]
        return max((moment.timestamp() - now for moment in until if moment is not None),
                   default=0.0)

    async def failure(self, account: str, address: str) -> bool:
        """Count one failure; True when it has just locked the account or address."""
        now = self.clock()
        locked = False
        async with self.db.session() as session:
            for kind, key in self._keys(account, address):
                recent, locked_until = await self._locked_row(session, key, now)
                failures = [t for t in recent if now - t < self.window] + [now]
                if len(failures) >= self.limits[kind] and (
                        locked_until is None or locked_until <= _when(now)):
                    locked_until = _when(now + self.lock)
                    failures = []
                    locked = True
                await session.execute(update(LoginFailures).where(LoginFailures.key == key)
                                      .values(failures=failures, locked_until=locked_until,
                                              updated_at=_when(now)))
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.prune()
        return locked

    async def success(self, account: str) -> None:
        """A right password forgives the account (not the address: it may be guessing others)."""
        async with self.db.session() as session:
            await session.execute(delete(LoginFailures).where(
                LoginFailures.key == row_key("account", account)))

    async def prune(self) -> int:
        """Drop rows neither locked nor holding a failure inside the window; how many went.

        Rows another transaction holds are skipped (PostgreSQL), so pruning never waits on a
        sign-in nor deadlocks with one.
        """
        now = self.clock()
        stale = select(LoginFailures.key).where(
            LoginFailures.updated_at < _when(now - self.window),
            or_(LoginFailures.locked_until.is_(None), LoginFailures.locked_until <= _when(now)))
        if self.db.dialect == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        async with self.db.session() as session:
            result = await session.execute(
                delete(LoginFailures).where(LoginFailures.key.in_(stale)))
        return rowcount(result)

    async def _locked_row(self, session: AsyncSession, key: str, now: float
                          ) -> tuple[list[float], dt.datetime | None]:
        """Failures and lock of ``key``, its row made if missing and locked until the
        transaction ends: one statement, so no other hub can prune or change it in between."""
        insert = postgresql_insert if self.db.dialect == "postgresql" else sqlite_insert
        statement = insert(LoginFailures).values(
            key=key, failures=[], locked_until=None, updated_at=_when(now))
        # The no-op update locks an existing row (on SQLite: takes the database's write lock).
        upsert = statement.on_conflict_do_update(
            index_elements=["key"], set_={"key": statement.excluded.key},
        ).returning(LoginFailures.failures, LoginFailures.locked_until)
        row = (await session.execute(upsert)).one()
        return list(row.failures), row.locked_until
