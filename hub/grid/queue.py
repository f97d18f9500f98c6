"""The new-session queue: FIFO, with timeouts, cancellation and clearing.

A request waits here until the distributor finds it a slot. Its future is how the waiting
HTTP handler learns the outcome; cancelling the future (the client went away) is how the
handler tells the distributor not to bother.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hub.callers import Caller, Owner
from hub.w3c.capabilities import Capabilities, SessionOptions
from hub.w3c.errors import SessionNotCreated

if TYPE_CHECKING:
    from hub.grid.session import Session


@dataclasses.dataclass(eq=False)
class SessionRequest:
    """What a client asked for: candidates in firstMatch order and, for each, its parsed
    options (``Grid.request`` parses them once, with the hub-wide defaults)."""

    candidates: list[Capabilities]
    options: list[SessionOptions] = dataclasses.field(default_factory=list)
    kind: str = "webdriver"
    owner: Owner | None = None
    client: Caller | None = None
    id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    enqueued_at: float = dataclasses.field(default_factory=time.time)
    future: asyncio.Future[Session] = dataclasses.field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    excluded_nodes: set[str] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.options:  # built without the grid (tests): no hub-wide defaults
            self.options = [SessionOptions.from_capabilities(c) for c in self.candidates]

    @property
    def abandoned(self) -> bool:
        return self.future.done()

    def fail(self, error: Exception) -> None:
        if not self.future.done():
            self.future.set_exception(error)
            self.future.exception()  # mark retrieved: a gone client must not log a warning


class NewSessionQueue:
    def __init__(self) -> None:
        self._waiting: list[SessionRequest] = []
        self.changed = asyncio.Event()
        self.closed = False  # for good: the hub is shutting down
        self.paused_for: str | None = None  # why new requests are turned away for now

    @property
    def taking(self) -> bool:
        """Whether new requests are accepted now."""
        return not self.closed and self.paused_for is None

    def __len__(self) -> int:
        return len(self._waiting)

    def __iter__(self) -> Iterator[SessionRequest]:
        return iter(list(self._waiting))

    def add(self, request: SessionRequest, *, front: bool = False) -> None:
        if self.closed:
            raise SessionNotCreated("the hub is shutting down and takes no new sessions")
        if self.paused_for is not None:
            raise SessionNotCreated(self.paused_for)
        if front:
            self._waiting.insert(0, request)
        else:
            self._waiting.append(request)
        self.changed.set()

    def remove(self, request: SessionRequest) -> bool:
        """Take ``request`` out; False if it was no longer waiting."""
        try:
            self._waiting.remove(request)
        except ValueError:
            return False
        return True

    def clear(self, reason: str) -> int:
        """Fail every waiting request with ``session not created`` and say how many."""
        waiting, self._waiting = self._waiting, []
        for request in waiting:
            request.fail(SessionNotCreated(reason))
        return len(waiting)

    def close(self, reason: str) -> None:
        self.closed = True
        self.clear(reason)
        self.changed.set()

    def pause(self, reason: str) -> None:
        """Turn requests away with ``reason``, the waiting ones and new ones, until
        ``resume``: for a hub that must not start sessions for a while."""
        self.paused_for = reason
        self.clear(reason)
        self.changed.set()

    def resume(self) -> None:
        self.paused_for = None
        self.changed.set()

    def expire(self, timeout: float) -> int:
        """Fail requests older than ``timeout`` seconds (their handlers may be gone)."""
        now = time.time()
        expired = [r for r in self._waiting if now - r.enqueued_at >= timeout]
        for request in expired:
            self.remove(request)
            request.fail(SessionNotCreated("New session request timed out"))
        return len(expired)
