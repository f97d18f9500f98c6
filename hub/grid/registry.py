"""Live sessions by id, and a memory of recently ended ones so errors can say why.

Lookups are a dict access: this sits on the hot path of every proxied command.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterator
from typing import Protocol

from hub.grid.session import Session
from hub.w3c.errors import InvalidSessionId

log = logging.getLogger(__name__)
ENDED_MEMORY = 10_000


class SessionListener(Protocol):
    """Something that follows session lifecycles (database, media, metrics)."""

    async def session_started(self, session: Session) -> None: ...

    async def session_ended(self, session: Session) -> None: ...


class SessionRegistry:
    def __init__(self) -> None:
        self._live: dict[str, Session] = {}
        self._ended: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._listeners: list[SessionListener] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._live.values()))

    def subscribe(self, listener: SessionListener) -> None:
        self._listeners.append(listener)

    def find(self, session_id: str) -> Session | None:
        return self._live.get(session_id)

    def get(self, session_id: str) -> Session:
        """The live session or a W3C ``invalid session id`` that says what became of it."""
        session = self._live.get(session_id)
        if session is not None:
            return session
        reason = self._ended.get(session_id)
        if reason:
            raise InvalidSessionId(f"session {session_id} has ended: {reason}")
        raise InvalidSessionId(f"no such session: {session_id}")

    def add(self, session: Session) -> None:
        self._live[session.id] = session
        self._notify("session_started", session)

    def remove(self, session: Session, reason: str) -> bool:
        """Forget a live session; False when someone else already ended it."""
        if self._live.pop(session.id, None) is None:
            return False
        session.ended = True
        session.end_reason = reason
        self._ended[session.id] = reason
        while len(self._ended) > ENDED_MEMORY:
            self._ended.popitem(last=False)
        self._notify("session_ended", session)
        return True

    def _notify(self, event: str, session: Session) -> None:
        for listener in self._listeners:
            task = asyncio.create_task(self._call(listener, event, session))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _call(listener: SessionListener, event: str, session: Session) -> None:
        try:
            await getattr(listener, event)(session)
        except Exception:
            log.exception("session.listener_failed event=%s id=%s", event, session.id)

    async def drain_listeners(self) -> None:
        """Wait for lifecycle notifications in flight (on shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
