"""The distributor: takes queued requests in order, reserves a slot, starts the session.

It wakes whenever the queue or the nodes change. A request that cannot be served yet stays
in the queue without blocking requests behind it that can (another browser, say). Every start
either ends with a registered session or with the slot released and the client told why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from hub.callers import Caller
from hub.ending import EndCause
from hub.grid.balancer import Balancer, LeastConnections
from hub.grid.matching import describe
from hub.grid.queue import NewSessionQueue, SessionRequest
from hub.grid.registry import SessionRegistry
from hub.grid.session import Session, client_capabilities
from hub.grid.slots import UP, NodeSlots, Slot
from hub.nodes.base import Node, SessionStartError
from hub.w3c.capabilities import Capabilities
from hub.w3c.errors import SessionNotCreated

if TYPE_CHECKING:
    from hub.grid.pool import WarmPool

log = logging.getLogger(__name__)
# Called with each new session, its start latency in seconds and whether the pool served it.
StartObserver = Callable[[Session, float, bool], None]


class Distributor:
    """Schedules queued requests onto nodes. Its parts (queue, registry, the node table, the
    balancer, the warm pool) are handed in; others ask it through the methods below and read
    nodes through a read-only view."""

    def __init__(
        self, queue: NewSessionQueue, registry: SessionRegistry, *,
        session_timeout: float, request_timeout: float, balancer: Balancer | None = None,
        nodes: dict[str, NodeSlots] | None = None, pool: WarmPool | None = None,
    ) -> None:
        self._queue = queue
        self._registry = registry
        # Ends every session id this hub hands out, so any hub sharing the database can tell
        # whose session an id is without a lookup (hub/peers/ids.py).
        self.session_id_suffix = ""
        self.session_timeout = session_timeout
        self.request_timeout = request_timeout
        self._balancer: Balancer = balancer or LeastConnections()
        self._nodes: dict[str, NodeSlots] = {} if nodes is None else nodes
        self._starting: set[asyncio.Task[None]] = set()
        self._ending: set[asyncio.Task[None]] = set()
        self._pool = pool
        self._start_observers: list[StartObserver] = []

    # -- what others may see and ask ---------------------------------------------------------

    @property
    def nodes(self) -> Mapping[str, NodeSlots]:
        """The nodes by id, read-only (``add_node``/``remove_node`` change them)."""
        return types.MappingProxyType(self._nodes)

    def sessions(self) -> list[Session]:
        """The live sessions (a copy)."""
        return list(self._registry)

    @property
    def session_count(self) -> int:
        return len(self._registry)

    @property
    def queued(self) -> int:
        return len(self._queue)

    def waiting(self) -> list[SessionRequest]:
        """The queued requests, oldest first (a copy)."""
        return list(self._queue)

    @property
    def taking(self) -> bool:
        """Whether new requests are accepted now (not closed, not paused)."""
        return self._queue.taking

    @property
    def paused_for(self) -> str | None:
        return self._queue.paused_for

    @property
    def closed(self) -> bool:
        return self._queue.closed

    @property
    def balancer_name(self) -> str:
        return self._balancer.name

    def use_balancer(self, balancer: Balancer) -> None:
        """Choose nodes with ``balancer`` from the next request on."""
        self._balancer = balancer

    def wake(self) -> None:
        """Something a request may wait for changed (a node came back): look again."""
        self._queue.changed.set()

    def pause(self, reason: str) -> None:
        """Turn requests away with ``reason`` (waiting ones and new ones) until ``resume``."""
        self._queue.pause(reason)

    def resume(self) -> None:
        self._queue.resume()

    def clear(self, reason: str) -> int:
        """Fail every waiting request with ``session not created``; how many there were."""
        return self._queue.clear(reason)

    def add_start_observer(self, observer: StartObserver) -> None:
        self._start_observers.append(observer)

    def remove_start_observer(self, observer: StartObserver) -> None:
        self._start_observers.remove(observer)

    # -- nodes -----------------------------------------------------------------------------

    def add_node(self, node: Node) -> NodeSlots:
        slots = NodeSlots(node)
        self._nodes[node.id] = slots
        self._queue.changed.set()
        return slots

    def remove_node(self, node_id: str) -> NodeSlots | None:
        return self._nodes.pop(node_id, None)

    def offers(self) -> str:
        offered = sorted({describe(s) for n in self._nodes.values() for s in n.node.stereotypes})
        return ", ".join(offered) or "no browsers at all"

    def check_satisfiable(self, candidates: list[Capabilities]) -> None:
        """Fail at once when no node could ever serve any candidate, naming what is offered."""
        for caps in candidates:
            if any(slots.can_ever_serve(caps) for slots in self._nodes.values()):
                return
        asked = "; ".join(describe({k: v for k, v in c.items() if k in {
            "browserName", "browserVersion", "platformName"}}) for c in candidates)
        raise SessionNotCreated(
            f"No node supports the requested capabilities ({asked}). "
            f"This grid offers: {self.offers()}."
        )

    # -- scheduling ------------------------------------------------------------------------

    def enqueue(self, request: SessionRequest) -> None:
        """Queue a request (``session not created`` when the queue is closed or paused)."""
        self._queue.add(request)

    def withdraw(self, request: SessionRequest) -> bool:
        """Take a waiting request out of the queue; False when it was no longer waiting."""
        return self._queue.remove(request)

    async def run(self) -> None:
        """Match queued requests to free slots whenever something changes."""
        expiry_check = min(1.0, self.request_timeout / 4)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(expiry_check):
                    await self._queue.changed.wait()
            self._queue.changed.clear()
            self._queue.expire(self.request_timeout)
            self.assign()

    def assign(self) -> None:
        for request in self._queue:
            if request.abandoned:
                self._queue.remove(request)
                continue
            choice = self._reserve(request)
            if choice is None:
                continue
            self._queue.remove(request)
            task = asyncio.create_task(self._start(request, *choice))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    def _reserve(self, request: SessionRequest) -> tuple[NodeSlots, Slot, int] | None:
        for index, caps in enumerate(request.candidates):
            candidates = [
                slots for slots in self._nodes.values()
                if slots.id not in request.excluded_nodes and slots.has_room
                and slots.can_ever_serve(caps)
            ]
            if not candidates:
                continue
            chosen = self._balancer.choose(candidates)
            slot = chosen.reserve(caps)
            if slot is not None:
                return chosen, slot, index
        return None

    def why_unavailable(self, candidates: list[Capabilities]) -> str:
        """'; ...' naming nodes that could serve but are out of rotation, for a timeout error."""
        reasons = [
            f"{slots.id} is {slots.availability}"
            + (f" ({slots.health_message})" if slots.health_message else "")
            for slots in self._nodes.values()
            if slots.availability != UP and any(slots.can_ever_serve(c) for c in candidates)
        ]
        return "; nodes that could serve it: " + ", ".join(reasons) if reasons else ""

    def _others_can_serve(self, request: SessionRequest) -> bool:
        """Whether a node not yet tried could ever serve the request (else: fail it now)."""
        return any(
            slots.can_ever_serve(caps)
            for slots in self._nodes.values() if slots.id not in request.excluded_nodes
            for caps in request.candidates
        )

    async def _start(
        self, request: SessionRequest, slots: NodeSlots, slot: Slot, index: int
    ) -> None:
        began = time.monotonic()
        caps, options = request.candidates[index], request.options[index]
        try:
            node_session = (await self._pool.take(slots.node, slot.stereotype, caps)
                            if self._pool is not None else None)
            pooled = node_session is not None
            if node_session is None:
                node_session = await slots.node.start_session(caps, slot.stereotype, options)
        except SessionStartError as error:
            slots.release(slot.id)
            log.warning("session.start_failed node=%s request=%s error=%s",
                        slots.id, request.id, error.message)
            request.excluded_nodes.add(slots.id)
            if error.retryable and not request.abandoned and self._others_can_serve(request):
                self._queue.add(request, front=True)
            else:
                request.fail(error.to_webdriver())
            self._queue.changed.set()
            return
        except BaseException as error:
            slots.release(slot.id)
            self._queue.changed.set()
            request.fail(SessionNotCreated(f"the node failed to start a browser: {error!r}"))
            if isinstance(error, asyncio.CancelledError):
                raise
            log.exception("session.start_crashed node=%s", slots.id)
            return
        session = Session(
            id=node_session.session_id + self.session_id_suffix, slots=slots, slot_id=slot.id,
            node_session=node_session,
            requested=caps, capabilities=client_capabilities(node_session.capabilities),
            options=options,
            idle_timeout=options.idle_timeout or self.session_timeout, kind=request.kind,
            owner=request.owner, client=request.client,
        )
        slots.occupy(slot, session.id)
        self._registry.add(session)
        self._watch(session)
        elapsed = time.monotonic() - began
        log.info("session.created id=%s node=%s browser=%s ms=%d pooled=%s", session.id,
                 slots.id, session.browser_name, elapsed * 1000, pooled)
        for observe in self._start_observers:
            observe(session, elapsed, pooled)
        if request.abandoned:
            await self.end_session(session, "the client went away before the session started")
        else:
            request.future.set_result(session)

    def _watch(self, session: Session) -> None:
        async def wait_for_death() -> None:
            await session.node_session.died.wait()
            await self.end_session(session, session.node_session.death_reason, failed=True)

        task = asyncio.create_task(wait_for_death())
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)
        session.watcher = task

    async def end_session(self, session: Session, reason: str, *, failed: bool = False,
                          by: Caller | None = None, cause: EndCause = EndCause.CLOSED) -> bool:
        """End a session whatever the cause; only the first caller does the work. ``by`` is
        the client that asked for the end, for the audit log; ``failed`` stands for
        ``cause=EndCause.FAILED``."""
        if self._registry.find(session.id) is not session:
            return False
        session.end_cause, session.ended_by = EndCause.FAILED if failed else cause, by
        self._registry.remove(session, reason)
        log.info("session.ended id=%s node=%s reason=%r", session.id, session.slots.id, reason)
        if session.watcher is not None and session.watcher is not asyncio.current_task():
            session.watcher.cancel()
        try:
            await session.slots.node.stop_session(session.node_session)
        finally:
            session.slots.release(session.slot_id)
            self._queue.changed.set()
        return True

    async def end_all(self, reason: str, *, failed: bool = False) -> None:
        """Cancel the sessions still starting (their clients get ``session not created``)
        and end the running ones. With the queue closed or paused, none comes after."""
        for task in list(self._starting):
            task.cancel()
        await asyncio.gather(*self._starting, return_exceptions=True)
        await asyncio.gather(
            *(self.end_session(s, reason, failed=failed) for s in self._registry),
            return_exceptions=True,
        )

    async def shutdown(self) -> None:
        """Refuse new sessions, fail waiting ones, end running ones."""
        self._queue.close("the hub is shutting down")
        await self.end_all("the hub shut down")
        for task in list(self._ending):
            task.cancel()
        await asyncio.gather(*self._ending, return_exceptions=True)
