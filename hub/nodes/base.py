"""The one Node protocol: local processes, Docker engines and relays all implement it.

The grid never asks which kind of node it holds. A node starts a browser session and hands
back a :class:`NodeSession` that says where the session's commands go; it does not count
slots (the grid does) and never imports the grid.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import time
from typing import Any

from hub.w3c.capabilities import Capabilities, SessionOptions
from hub.w3c.errors import WebDriverError, error_for


class SessionStartError(Exception):
    """The node could not start a session; ``message`` is the driver's own words if any.

    ``code`` is the W3C error the driver refused with (``invalid argument`` for a capability
    it does not take): the client gets that error, not a blanket ``session not created``.
    """

    def __init__(self, message: str, *, retryable: bool = False,
                 code: str = "session not created", stacktrace: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.stacktrace = stacktrace

    def to_webdriver(self) -> WebDriverError:
        return error_for(self.code, self.message, self.stacktrace)


@dataclasses.dataclass
class NodeSession:
    """A live session on a node.

    ``url`` is the driver's base URL; commands for the session go to
    ``{url}/session/{session_id}/...``. ``endpoints`` carries the private addresses other
    parts of the hub bridge to (``cdp``, ``bidi``, ``vnc``); they never leave the hub.
    ``recorded`` is set by a node that films the session (it registered a recorder with the
    media provider): only then does the hub hand out a link to its video. A relay never
    sets it: asking it for a video starts the session, unrecorded.
    """

    session_id: str
    url: str
    capabilities: Capabilities
    stereotype: Capabilities
    endpoints: dict[str, str] = dataclasses.field(default_factory=dict)
    started_at: float = dataclasses.field(default_factory=time.time)
    died: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    death_reason: str = ""
    quit_sent: bool = False
    recorded: bool = False
    commands: int = 0  # client commands in flight (hub.nodes.liveness probes only at 0)
    handle: Any = None

    def mark_dead(self, reason: str) -> None:
        if not self.died.is_set():
            self.death_reason = reason
            self.died.set()


@dataclasses.dataclass
class NodeHealth:
    healthy: bool
    message: str = ""


class Node(abc.ABC):
    """Where browsers run. Subclasses: LocalNode, DockerNode, RelayNode."""

    kind: str = "node"

    def __init__(self, node_id: str, uri: str, max_sessions: int) -> None:
        self.id = node_id
        self.uri = uri
        self.max_sessions = max_sessions

    @property
    @abc.abstractmethod
    def stereotypes(self) -> list[Capabilities]:
        """Capabilities each kind of slot on this node offers."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (clients, detection); called once before any session."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; sessions are already stopped by then."""

    @abc.abstractmethod
    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        """Start a browser for one session or raise :class:`SessionStartError`."""

    @abc.abstractmethod
    async def stop_session(self, session: NodeSession) -> None:
        """Destroy the session's browser and everything it started; never raises."""

    async def health(self) -> NodeHealth:
        return NodeHealth(True)

    async def reap_dead_hubs(self, hub_ids: frozenset[str]) -> int:
        """Remove what hubs the database knows are dead left on this node; returns how many
        things went. Never raises (an engine that is down is tried again next time)."""
        return 0

    # -- warm pool (optional) ---------------------------------------------------------------

    prestarts: bool = False
    """True when :meth:`prestart` can start a browser ahead of any request."""

    @property
    def binaries(self) -> list[str]:
        """Browser and driver binaries this node runs: a client may name these (the
        capability policy refuses any other)."""
        return []

    async def prestart(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        """Start a never-used browser with the pool's launch capabilities, so a later request
        that asks for exactly those is handed it at once (the session already exists in the
        driver). It must start as :meth:`start_session` would for the same request."""
        raise SessionStartError(f"{self.kind} nodes cannot pre-start browsers")

    async def alive(self, session: NodeSession) -> bool:
        """Whether a pre-started session could still serve commands (checked before hand-over)."""
        return not session.died.is_set()

    def metrics(self) -> dict[str, Any]:
        return {}
