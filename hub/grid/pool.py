"""The warm pool: started, never-used browsers, handed to requests that ask for nothing more.

A profile is one node and one browser of it (Chrome, Firefox), started with that browser's
launch capabilities (``hub.grid.pool_profile``), the default screen and only the VNC and video
the hub gives every session (nodes opt in with ``Node.prestarts``). ``target``
is per profile: with two browsers on two prestarting nodes, a target of 1 keeps four browsers
waiting. A request is served from the pool only when its capabilities ask for exactly what the
pooled browser was started with, such as a plain Selenium ``ChromeOptions()`` or
``FirefoxOptions()``. A pooled browser is used once; the pool refills in the background, and
one that died while it waited is destroyed and replaced, never handed out.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import logging
from collections.abc import Callable, Iterable
from typing import Any

from hub.grid.pool_profile import launch_capabilities, pooled, restates_defaults
from hub.grid.slots import UP, NodeSlots
from hub.nodes.base import Node, NodeSession, SessionStartError
from hub.w3c.capabilities import Capabilities, SessionOptions
from hub.w3c.errors import WebDriverError

log = logging.getLogger(__name__)

ProfileKey = tuple[str, str]  # (node id, browserName)


class WarmPool:
    def __init__(
        self, nodes: Callable[[], Iterable[NodeSlots]], *, target: int = 0,
        check_interval: float = 5.0, defaults: Callable[[SessionOptions], SessionOptions] = (
            lambda options: options),
        check: Callable[[Capabilities], None] | None = None,
    ) -> None:
        self._nodes = nodes
        self._defaults = defaults  # the hub-wide screen and media switches
        self._check = check  # the capability policy, as for every other session start
        self.target = target  # per profile
        self.check_interval = check_interval
        self._idle: dict[ProfileKey, collections.deque[NodeSession]] = {}
        self._owners: dict[ProfileKey, Node] = {}
        self._changed = asyncio.Event()
        self._cleanup: set[asyncio.Task[None]] = set()
        self._handed_out: collections.Counter[ProfileKey] = collections.Counter()
        self._replaced: collections.Counter[ProfileKey] = collections.Counter()

    # -- what others see --------------------------------------------------------------------

    @property
    def size(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    @property
    def wanted(self) -> int:
        """Browsers the pool aims to keep: ``target`` for each profile in rotation."""
        return self.target * len(self._profiles())

    @property
    def handed_out(self) -> int:
        return sum(self._handed_out.values())

    @property
    def replaced(self) -> int:
        return sum(self._replaced.values())

    def resize(self, target: int) -> None:
        self.target = max(0, target)
        self._changed.set()

    def profile_sizes(self) -> dict[ProfileKey, int]:
        return {key: len(idle) for key, idle in self._idle.items()}

    def stats(self) -> dict[str, Any]:
        """Totals, and per profile ("node/browser") what waits, was handed out, was replaced."""
        keys = sorted(self._idle.keys() | self._handed_out.keys() | self._replaced.keys())
        return {"target": self.target, "wanted": self.wanted, "size": self.size,
                "handedOut": self.handed_out, "replaced": self.replaced,
                "profiles": {f"{node}/{browser}": self._profile_stats((node, browser))
                             for node, browser in keys}}

    def _profile_stats(self, key: ProfileKey) -> dict[str, Any]:
        return {"node": key[0], "browser": key[1], "size": len(self._idle.get(key, ())),
                "handedOut": self._handed_out[key], "replaced": self._replaced[key]}

    async def take(
        self, node: Node, stereotype: Capabilities, caps: Capabilities
    ) -> NodeSession | None:
        """A live pooled session for this request on this node, or None to start cold.

        A request it serves asked for no screen or media of its own, so its options are the
        hub-wide defaults the pooled browser was started with.
        """
        if not node.prestarts or not restates_defaults(caps, stereotype):
            return None
        key = (node.id, stereotype["browserName"])
        idle = self._idle.get(key)
        while idle:
            session = idle.popleft()
            self._changed.set()
            if await node.alive(session):
                self._handed_out[key] += 1
                return session
            self._discard(key, session, "died while waiting in the pool", died=True)
        return None

    # -- keeping it full --------------------------------------------------------------------

    async def run(self) -> None:
        """Refill, shrink and check the pool whenever it changes, and every check_interval."""
        while True:
            try:
                await self._sweep()
                await self._fill()
            except Exception:
                log.exception("pool.failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.check_interval):
                    await self._changed.wait()
            self._changed.clear()

    def _profiles(self) -> list[tuple[ProfileKey, NodeSlots, Capabilities]]:
        found = []
        for slots in self._nodes():
            if slots.availability != UP or not slots.node.prestarts:
                continue
            for stereotype in slots.node.stereotypes:
                if pooled(stereotype):
                    found.append(((slots.id, stereotype["browserName"]), slots, stereotype))
        return found

    def _room(self, slots: NodeSlots) -> bool:
        """Pooled and running browsers together stay within the node's capacity."""
        waiting = sum(len(idle) for (node_id, _), idle in self._idle.items()
                      if node_id == slots.id)
        return slots.busy + waiting < slots.node.max_sessions

    async def _fill(self) -> None:
        profiles = self._profiles()
        live = {key for key, _, _ in profiles}
        for key, idle in self._idle.items():
            while idle and (key not in live or len(idle) > self.target):
                self._discard(key, idle.pop(), "the pool shrank")
        for key, slots, stereotype in profiles:
            node = slots.node
            idle = self._idle.setdefault(key, collections.deque())
            self._owners[key] = node
            capabilities = launch_capabilities(stereotype)
            if self._check is not None:
                try:
                    self._check(capabilities)
                except WebDriverError as error:
                    log.warning("pool.refused node=%s browser=%s error=%s", node.id, key[1],
                                error.message)
                    continue
            while len(idle) < self.target and self._room(slots):
                options = self._defaults(SessionOptions())
                try:
                    session = await node.prestart(copy.deepcopy(capabilities), stereotype,
                                                  options)
                except SessionStartError as error:
                    log.warning("pool.start_failed node=%s browser=%s error=%s", node.id,
                                key[1], error.message)
                    break
                idle.append(session)
                log.info("pool.added node=%s browser=%s id=%s size=%d", node.id, key[1],
                         session.session_id, self.size)

    async def _sweep(self) -> None:
        for key, idle in self._idle.items():
            node = self._owners[key]
            for session in list(idle):
                if not await node.alive(session) and session in idle:
                    idle.remove(session)
                    self._discard(key, session, "died while waiting in the pool", died=True)

    def _discard(self, key: ProfileKey, session: NodeSession, reason: str, *,
                 died: bool = False) -> None:
        node = self._owners[key]
        if died:
            self._replaced[key] += 1
        log.info("pool.removed node=%s browser=%s id=%s reason=%r", node.id, key[1],
                 session.session_id, reason)
        task = asyncio.create_task(node.stop_session(session))
        self._cleanup.add(task)
        task.add_done_callback(self._cleanup.discard)
        self._changed.set()

    async def close(self) -> None:
        """Destroy every idle browser (they were never used)."""
        for key, idle in self._idle.items():
            while idle:
                self._discard(key, idle.pop(), "the hub is stopping")
        if self._cleanup:
            await asyncio.gather(*self._cleanup, return_exceptions=True)
