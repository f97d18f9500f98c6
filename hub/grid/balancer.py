"""Choosing a node among those that can take a session now."""

from __future__ import annotations

import itertools
from typing import Protocol

from hub.grid.slots import NodeSlots


class Balancer(Protocol):
    name: str

    def choose(self, candidates: list[NodeSlots]) -> NodeSlots: ...


class RoundRobin:
    name = "round-robin"

    def __init__(self) -> None:
        self._counter = itertools.count()

    def choose(self, candidates: list[NodeSlots]) -> NodeSlots:
        ordered = sorted(candidates, key=lambda slots: slots.id)
        return ordered[next(self._counter) % len(ordered)]


class LeastConnections:
    name = "least-connections"

    def choose(self, candidates: list[NodeSlots]) -> NodeSlots:
        return min(candidates, key=lambda slots: (slots.busy / slots.node.max_sessions, slots.id))


class ResourceBased:
    """Lowest load score: CPU 50 %, memory 30 %, connections 20 % (each 0-100).

    CPU and memory come from the node's own ``metrics()``; a node that reports none (a relay)
    is judged by its connections alone.
    """

    name = "resource-based"

    def choose(self, candidates: list[NodeSlots]) -> NodeSlots:
        return min(candidates, key=lambda slots: (load_score(slots), slots.id))


def load_score(slots: NodeSlots) -> float:
    metrics = slots.node.metrics()
    connections = 100.0 * slots.busy / max(1, slots.node.max_sessions)
    return (0.5 * float(metrics.get("cpu", 0.0)) + 0.3 * float(metrics.get("memory", 0.0))
            + 0.2 * connections)


BALANCERS: dict[str, type[RoundRobin] | type[LeastConnections] | type[ResourceBased]] = {
    RoundRobin.name: RoundRobin,
    LeastConnections.name: LeastConnections,
    ResourceBased.name: ResourceBased,
}


def make_balancer(name: str) -> Balancer:
    """The balancer called ``name``; KeyError for an unknown one."""
    return BALANCERS[name]()
