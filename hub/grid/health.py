"""Node health checks: a node that fails is taken out of rotation, and back when it passes.

Only the checker's own verdict is undone: a node an operator drains stays draining.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from hub.grid.slots import DOWN, UP, NodeSlots
from hub.nodes.base import NodeHealth

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 10.0


class HealthChecker:
    def __init__(self, nodes: Callable[[], Iterable[NodeSlots]], interval: float,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self._nodes = nodes
        self.interval = interval
        self._on_change = on_change
        self.metrics: dict[str, dict[str, Any]] = {}

    async def run(self) -> None:
        while True:
            await self.check_all()
            await asyncio.sleep(self.interval)

    async def check_all(self) -> None:
        nodes = list(self._nodes())
        results = await asyncio.gather(*(self._check(slots) for slots in nodes))
        for slots, health in zip(nodes, results, strict=True):
            self._apply(slots, health)
            with contextlib.suppress(Exception):
                self.metrics[slots.id] = slots.node.metrics()

    @staticmethod
    async def _check(slots: NodeSlots) -> NodeHealth:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                return await slots.node.health()
        except TimeoutError:
            return NodeHealth(False, f"no health answer within {CHECK_TIMEOUT:g} s")
        except Exception as error:
            return NodeHealth(False, f"health check failed: {error!r}")

    def _apply(self, slots: NodeSlots, health: NodeHealth) -> None:
        if not health.healthy and slots.availability == UP:
            slots.availability = DOWN
            slots.health_message = health.message
            log.warning("node.unhealthy id=%s reason=%s", slots.id, health.message)
            self._on_change()
        elif health.healthy and slots.availability == DOWN:
            slots.availability = UP
            slots.health_message = ""
            log.info("node.healthy id=%s", slots.id)
            self._on_change()
        elif not health.healthy:
            slots.health_message = health.message
