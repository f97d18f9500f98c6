"""How busy the grid is: figures the balancer stats, the autoscaler and health all read."""

from __future__ import annotations

from typing import Any

from hub.grid.balancer import load_score
from hub.grid.distributor import Distributor
from hub.grid.slots import UP, NodeSlots


def capacity(distributor: Distributor) -> int:
    """Sessions the nodes in rotation can run at once."""
    return sum(s.node.max_sessions for s in distributor.nodes.values() if s.availability == UP)


def utilisation(distributor: Distributor) -> float:
    """Active sessions / capacity of the nodes in rotation (1.0 when there is no capacity)."""
    total = capacity(distributor)
    return distributor.session_count / total if total else 1.0


def node_view(slots: NodeSlots, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """One node for /api/nodes and the balancer stats."""
    node = slots.node
    return {
        "id": node.id, "kind": node.kind, "uri": node.uri,
        "availability": slots.availability, "healthy": slots.availability != "DOWN",
        "healthMessage": slots.health_message,
        "activeSessions": slots.busy, "maxSessions": node.max_sessions,
        "load": round(100.0 * slots.busy / max(1, node.max_sessions), 1),
        "score": round(load_score(slots), 2),
        "stereotypes": node.stereotypes,
        "metrics": metrics if metrics is not None else node.metrics(),
    }


def totals(distributor: Distributor) -> dict[str, Any]:
    nodes = list(distributor.nodes.values())
    return {"nodes": len(nodes), "healthyNodes": sum(1 for s in nodes if s.availability == UP),
            "activeSessions": distributor.session_count, "queued": distributor.queued,
            "capacity": capacity(distributor),
            "utilisation": round(utilisation(distributor), 4)}
