"""Sign-ins waiting for their second step: the password was right, the 2FA code is due.

Kept in memory, for a few minutes, under a random id that the second form carries, so the
password never goes back to the browser. A hub restart (or another hub behind a balancer)
only means signing in again.
"""

from __future__ import annotations

import dataclasses
import secrets
import time

LIFETIME = 300.0
MAX_TRIES = 5
MAX_WAITING = 10_000


@dataclasses.dataclass
class PendingSignIn:
    email: str
    password: str
    next_url: str
    expires: float
    tries: int = 0


class PendingSignIns:
    def __init__(self, lifetime: float = LIFETIME) -> None:
        self.lifetime = lifetime
        self._waiting: dict[str, PendingSignIn] = {}

    def _expire(self) -> None:
        now = time.monotonic()
        for key, entry in list(self._waiting.items()):
            if entry.expires <= now:
                del self._waiting[key]

    def add(self, email: str, password: str, next_url: str) -> str:
        self._expire()
        if len(self._waiting) >= MAX_WAITING:
            self._waiting.pop(next(iter(self._waiting)))
        key = secrets.token_urlsafe(32)
        self._waiting[key] = PendingSignIn(email, password, next_url,
                                           time.monotonic() + self.lifetime)
        return key

    def get(self, key: str) -> PendingSignIn | None:
        self._expire()
        return self._waiting.get(key)

    def failed(self, key: str) -> None:
        """One more wrong code; after a few the sign-in starts over from the password."""
        entry = self._waiting.get(key)
        if entry is not None:
            entry.tries += 1
            if entry.tries >= MAX_TRIES:
                del self._waiting[key]

    def done(self, key: str) -> None:
        self._waiting.pop(key, None)
