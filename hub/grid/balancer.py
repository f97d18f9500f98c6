"""Choosing a node among those that can take a session now."""

from __future__ import annotations

import itertools
from typing import Protocol

from hub.grid.nodes import NodeSlots


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


BALANCERS: dict[str, type[RoundRobin] | type[LeastConnections]] = {
    RoundRobin.name: RoundRobin,
    LeastConnections.name: LeastConnections,
}
