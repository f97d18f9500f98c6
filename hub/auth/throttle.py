"""Brute-force throttling: failures per account and per client address lock them for a while.

In memory, per hub: the window is short and a restart only forgives. Counting the address
too stops one client trying many accounts; its limit is higher because offices share one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = 15 * 60.0
LOCK = 15 * 60.0


@dataclasses.dataclass
class _Record:
    failures: list[float] = dataclasses.field(default_factory=list)
    locked_until: float = 0.0


class Throttle:
    def __init__(self, *, account_limit: int = ACCOUNT_LIMIT, address_limit: int = ADDRESS_LIMIT,
                 window: float = WINDOW, lock: float = LOCK,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"account": account_limit, "address": address_limit}
        self.window = window
        self.lock = lock
        self.clock = clock
        self._records: dict[tuple[str, str], _Record] = {}

    def locked_for(self, account: str, address: str) -> float:
        """Seconds until both keys may try again (0: not locked)."""
        now = self.clock()
        waits = [record.locked_until - now for key in self._keys(account, address)
                 if (record := self._records.get(key)) and record.locked_until > now]
        return max(waits, default=0.0)

    def failure(self, account: str, address: str) -> bool:
        """Count one failure; True when it has just locked the account or address."""
        now = self.clock()
        locked = False
        for key in self._keys(account, address):
            record = self._records.setdefault(key, _Record())
            record.failures = [t for t in record.failures if now - t < self.window] + [now]
            if len(record.failures) >= self.limits[key[0]] and record.locked_until <= now:
                record.locked_until = now + self.lock
                record.failures.clear()
                locked = True
        self._prune(now)
        return locked

    def success(self, account: str) -> None:
        self._records.pop(("account", account), None)

    @staticmethod
    def _keys(account: str, address: str) -> list[tuple[str, str]]:
        return [("account", account), ("address", address)]

    def _prune(self, now: float) -> None:
        if len(self._records) < 10_000:
            return
        for key, record in list(self._records.items()):
            if record.locked_until <= now and not [
                    t for t in record.failures if now - t < self.window]:
                del self._records[key]
