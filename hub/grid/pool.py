"""The warm pool: started, never-used browsers, handed to requests that ask for nothing more.

A profile is one node and one browser of it, started with the stereotype's default
capabilities (nodes opt in with ``Node.prestarts``). A request is served from the pool only
when its capabilities merely restate those defaults, such as a plain Selenium
``ChromeOptions()``. A pooled browser is used once; the pool refills in the background, and
one that died while it waited is destroyed and replaced, never handed out.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from hub.grid.matching import ANY_PLATFORM, ANY_VERSION, normalise_browser
from hub.grid.nodes import UP, NodeSlots
from hub.nodes.base import Node, NodeSession, SessionStartError
from hub.w3c.capabilities import Capabilities, SessionOptions

log = logging.getLogger(__name__)

POOLED_BROWSERS = {"chrome"}
# Vendor options whose only values that restate defaults are empty lists (ChromeOptions()).
EMPTY_DEFAULTS = {"args", "extensions"}
# Capabilities that describe the request, not the browser (Selenium adds se:remoteUrl itself).
INFORMATIONAL = {"se:remoteUrl", "se:name"}
ProfileKey = tuple[str, str]


def restates_defaults(caps: Capabilities, stereotype: Capabilities) -> bool:
    """True when ``caps`` asks for nothing a browser started with defaults would lack."""
    for key, value in caps.items():
        if key in INFORMATIONAL:
            continue
        if key == "browserName":
            ok = normalise_browser(str(value)) == normalise_browser(stereotype["browserName"])
        elif key == "browserVersion":
            wanted = str(value).strip().lower()
            have = str(stereotype.get("browserVersion", "")).lower()
            ok = wanted in ANY_VERSION or have == wanted or have.startswith(wanted + ".")
        elif key == "platformName":
            ok = str(value).strip().lower() in ANY_PLATFORM | {"linux"}
        elif key == "pageLoadStrategy":
            ok = value == "normal"
        elif key == "acceptInsecureCerts":
            ok = value is False
        elif key == "goog:chromeOptions":
            ok = isinstance(value, dict) and all(
                k in EMPTY_DEFAULTS and v == [] for k, v in value.items())
        else:
            ok = False
        if not ok:
            return False
    return True


class WarmPool:
    def __init__(
        self, nodes: Callable[[], Iterable[NodeSlots]], *, target: int = 0,
        check_interval: float = 5.0,
    ) -> None:
        self._nodes = nodes
        self.target = target
        self.check_interval = check_interval
        self._idle: dict[ProfileKey, collections.deque[NodeSession]] = {}
        self._owners: dict[ProfileKey, Node] = {}
        self._changed = asyncio.Event()
        self._cleanup: set[asyncio.Task[None]] = set()
        self.handed_out = 0
        self.replaced = 0

    # -- what others see --------------------------------------------------------------------

    @property
    def size(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    def resize(self, target: int) -> None:
        self.target = max(0, target)
        self._changed.set()

    def stats(self) -> dict[str, Any]:
        return {"target": self.target, "size": self.size, "handedOut": self.handed_out,
                "replaced": self.replaced,
                "profiles": {f"{node}/{browser}": len(idle)
                             for (node, browser), idle in self._idle.items()}}

    async def take(
        self, node: Node, stereotype: Capabilities, caps: Capabilities
    ) -> NodeSession | None:
        """A live pooled session for this request on this node, or None to start cold."""
        if not node.prestarts or not restates_defaults(caps, stereotype):
            return None
        idle = self._idle.get((node.id, stereotype["browserName"]))
        while idle:
            session = idle.popleft()
            self._changed.set()
            if await node.alive(session):
                self.handed_out += 1
                return session
            self._discard(node, session, "died while waiting in the pool")
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

    def _profiles(self) -> list[tuple[ProfileKey, Node, Capabilities]]:
        found = []
        for slots in self._nodes():
            if slots.availability != UP or not slots.node.prestarts:
                continue
            for stereotype in slots.node.stereotypes:
                if stereotype["browserName"] in POOLED_BROWSERS:
                    found.append(((slots.id, stereotype["browserName"]), slots.node, stereotype))
        return found

    async def _fill(self) -> None:
        profiles = self._profiles()
        live = {key for key, _, _ in profiles}
        for key, idle in self._idle.items():
            while idle and (key not in live or len(idle) > self.target):
                self._discard(self._owners[key], idle.pop(), "the pool shrank")
        for key, node, stereotype in profiles:
            idle = self._idle.setdefault(key, collections.deque())
            self._owners[key] = node
            while len(idle) < self.target:
                try:
                    session = await node.prestart(stereotype, SessionOptions())
                except SessionStartError as error:
                    log.warning("pool.start_failed node=%s error=%s", node.id, error.message)
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
                    self._discard(node, session, "died while waiting in the pool")

    def _discard(self, node: Node, session: NodeSession, reason: str) -> None:
        if "died" in reason:
            self.replaced += 1
        log.info("pool.removed node=%s id=%s reason=%r", node.id, session.session_id, reason)
        task = asyncio.create_task(node.stop_session(session))
        self._cleanup.add(task)
        task.add_done_callback(self._cleanup.discard)
        self._changed.set()

    async def close(self) -> None:
        """Destroy every idle browser (they were never used)."""
        for key, idle in self._idle.items():
            while idle:
                self._discard(self._owners[key], idle.pop(), "the hub is stopping")
        if self._cleanup:
            await asyncio.gather(*self._cleanup, return_exceptions=True)
