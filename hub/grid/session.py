"""A session as the hub sees it: who asked, which node serves it, and how it ended."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
import urllib.parse
from typing import TYPE_CHECKING

from hub.callers import Caller, Owner
from hub.ending import EndCause
from hub.nodes.base import NodeSession
from hub.w3c.capabilities import Capabilities, SessionOptions

if TYPE_CHECKING:
    from hub.grid.slots import NodeSlots


# Vendor options in which a driver names the browser's own DevTools host:port.
_PRIVATE_ADDRESSES = (("goog:chromeOptions", "debuggerAddress"),
                      ("ms:edgeOptions", "debuggerAddress"))


def client_capabilities(returned: Capabilities) -> Capabilities:
    """The node's returned capabilities minus the node-private addresses in them: clients
    reach DevTools through the hub's ``se:cdp``; the node session keeps the original."""
    caps = dict(returned)
    for vendor, key in _PRIVATE_ADDRESSES:
        options = caps.get(vendor)
        if isinstance(options, dict) and key in options:
            caps[vendor] = {name: value for name, value in options.items() if name != key}
    return caps


@dataclasses.dataclass
class Session:
    id: str
    slots: NodeSlots
    slot_id: str
    node_session: NodeSession
    requested: Capabilities
    capabilities: Capabilities
    options: SessionOptions
    idle_timeout: float
    kind: str = "webdriver"
    owner: Owner | None = None
    client: Caller | None = None  # who asked for it
    ended_by: Caller | None = None  # who ended it, when a client did
    created_at: float = dataclasses.field(default_factory=time.time)
    last_activity: float = dataclasses.field(default_factory=time.monotonic)
    ended: bool = False
    end_cause: EndCause = EndCause.CLOSED
    end_reason: str = ""
    watcher: asyncio.Task[None] | None = dataclasses.field(default=None, repr=False)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    @property
    def failed(self) -> bool:
        return self.end_cause is EndCause.FAILED

    def idle_for(self) -> float:
        return time.monotonic() - self.last_activity

    @functools.cached_property
    def upstream_address(self) -> tuple[str, int, str]:
        """(host, port, path prefix) of the session on its node, parsed once."""
        url = urllib.parse.urlsplit(self.node_session.url)
        port = url.port or (443 if url.scheme == "https" else 80)
        prefix = f"{url.path.rstrip('/')}/session/{self.node_session.session_id}"
        return url.hostname or "127.0.0.1", port, prefix

    @property
    def browser_name(self) -> str:
        return str(self.capabilities.get("browserName", self.node_session.stereotype.get(
            "browserName", "")))
