"""The grid's book-keeping around a node: availability and which slots are taken.

Slots follow Selenium Grid: each stereotype gets ``max_sessions`` slots, and the node as a
whole never runs more than ``max_sessions`` sessions. A slot is reserved before the node is
asked to start a browser, so two requests can never race for the last one.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any

from hub.grid.matching import matches
from hub.nodes.base import Node
from hub.w3c.capabilities import Capabilities

UP, DRAINING, DOWN = "UP", "DRAINING", "DOWN"


@dataclasses.dataclass
class Slot:
    id: str
    stereotype: Capabilities
    session_id: str | None = None
    reserved: bool = False
    last_started: float = 0.0

    @property
    def free(self) -> bool:
        return self.session_id is None and not self.reserved


class NodeSlots:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.availability = UP
        self.health_message = ""
        self.slots = [
            Slot(str(uuid.uuid4()), stereotype)
            for stereotype in node.stereotypes
            for _ in range(node.max_sessions)
        ]

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def busy(self) -> int:
        return sum(1 for slot in self.slots if not slot.free)

    @property
    def has_room(self) -> bool:
        return self.availability == UP and self.busy < self.node.max_sessions

    def can_ever_serve(self, requested: Capabilities) -> bool:
        return any(matches(stereotype, requested) for stereotype in self.node.stereotypes)

    def reserve(self, requested: Capabilities) -> Slot | None:
        """Take a free slot that matches ``requested``, or None when there is no room."""
        if not self.has_room:
            return None
        for slot in self.slots:
            if slot.free and matches(slot.stereotype, requested):
                slot.reserved = True
                return slot
        return None

    def occupy(self, slot: Slot, session_id: str) -> None:
        slot.reserved = False
        slot.session_id = session_id
        slot.last_started = time.time()

    def release(self, slot_id: str) -> None:
        for slot in self.slots:
            if slot.id == slot_id:
                slot.reserved = False
                slot.session_id = None

    def status(self, sessions: dict[str, Any], session_timeout: float) -> dict[str, Any]:
        """This node in the shape of Selenium Grid 4's /status."""
        return {
            "id": self.node.id,
            "uri": self.node.uri,
            "kind": self.node.kind,
            "maxSessions": self.node.max_sessions,
            "sessionTimeout": int(session_timeout * 1000),
            "osInfo": _os_info(),
            "heartbeatPeriod": 60000,
            "availability": self.availability,
            "version": _version(),
            "slots": [
                {
                    "id": {"hostId": self.node.id, "id": slot.id},
                    "lastStarted": _iso(slot.last_started),
                    "stereotype": slot.stereotype,
                    "session": _slot_session(slot, sessions),
                }
                for slot in self.slots
            ],
        }


def _slot_session(slot: Slot, sessions: dict[str, Any]) -> dict[str, Any] | None:
    """The live session in a slot; one being torn down still holds its slot until it is gone."""
    if slot.session_id is None:
        return None
    return sessions.get(slot.session_id) or {"sessionId": slot.session_id, "ending": True}


def _iso(timestamp: float) -> str:
    if not timestamp:
        return "1970-01-01T00:00:00Z"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _os_info() -> dict[str, str]:
    import platform

    return {"arch": platform.machine(), "name": platform.system(), "version": platform.release()}


def _version() -> str:
    from hub import __version__

    return f"tggrid {__version__}"
