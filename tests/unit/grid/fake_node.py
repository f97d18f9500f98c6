"""FakeNode: a stand-in for a node, for unit tests of the grid's scheduling.

A real node needs a browser and a driver; what the distributor does around it (slots, retries,
cancellation, ending) does not. Each call to ``start_session`` takes the next scripted outcome:
a session, a ``SessionStartError``, any other exception (a crash), or a wait on an event.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hub.grid.distributor import Distributor
from hub.grid.queue import NewSessionQueue
from hub.grid.registry import SessionRegistry
from hub.nodes.base import Node, NodeSession, SessionStartError
from hub.w3c.capabilities import Capabilities, SessionOptions

_ids = itertools.count(1)


class FakeNode(Node):
    kind = "fake"

    def __init__(self, node_id: str, browsers: tuple[str, ...] = ("chrome",), *,
                 max_sessions: int = 1, metrics: dict[str, float] | None = None) -> None:
        super().__init__(node_id, f"fake://{node_id}", max_sessions)
        self._stereotypes = [{"browserName": name} for name in browsers]
        self.outcomes: list[BaseException | asyncio.Event | None] = []
        self.started: list[NodeSession] = []
        self.stopped: list[NodeSession] = []
        self.starting = asyncio.Event()  # set when a start begins
        self.options_seen: list[SessionOptions] = []
        self._metrics = metrics or {}

    @property
    def stereotypes(self) -> list[Capabilities]:
        return self._stereotypes

    def fail_next(self, error: BaseException) -> None:
        self.outcomes.append(error)

    def hold_next(self) -> asyncio.Event:
        """The next start waits until the returned event is set."""
        release = asyncio.Event()
        self.outcomes.append(release)
        return release

    async def start_session(self, capabilities: Capabilities, stereotype: Capabilities,
                            options: SessionOptions) -> NodeSession:
        self.options_seen.append(options)
        self.starting.set()
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, asyncio.Event):
            await outcome.wait()
        elif outcome is not None:
            raise outcome
        session = NodeSession(f"{self.id}-{next(_ids)}", f"http://127.0.0.1:1/{self.id}",
                              {"browserName": stereotype["browserName"]}, stereotype)
        self.started.append(session)
        return session

    async def stop_session(self, session: NodeSession) -> None:
        self.stopped.append(session)

    def metrics(self) -> dict[str, Any]:
        return dict(self._metrics)


def retryable(message: str = "the driver did not start") -> SessionStartError:
    return SessionStartError(message, retryable=True)


def make_distributor(*nodes: FakeNode) -> Distributor:
    distributor = Distributor(NewSessionQueue(), SessionRegistry(), session_timeout=60,
                              request_timeout=30)
    for node in nodes:
        distributor.add_node(node)
    return distributor


async def settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)
