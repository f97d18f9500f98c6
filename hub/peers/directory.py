"""Which hub a route key belongs to, where it listens and whether it is alive.

Read from the ``hubs`` table (each hub's advertised URL), refreshed on every settling round
of the presence and, rate-limited, when an id names a key not seen yet (a hub that started
since). Lookups are a dict access.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import urllib.parse
from collections.abc import Callable

from hub.db import hubs
from hub.db.engine import Database
from hub.db.models import utcnow
from hub.peers.ids import route_key

log = logging.getLogger(__name__)
MISS_REFRESH_EVERY = 1.0  # seconds: an unknown key reads the table at most this often


@dataclasses.dataclass(frozen=True)
class Peer:
    id: str
    url: str
    host: str
    port: int
    alive: bool


def _peer(info: hubs.HubInfo, alive: bool) -> Peer | None:
    url = urllib.parse.urlsplit(info.url)
    if url.scheme != "http" or not url.hostname:
        return None  # the forwarder speaks plain HTTP to its peers
    return Peer(info.id, info.url.rstrip("/"), url.hostname, url.port or 80, alive)


class PeerDirectory:
    def __init__(self, own_id: str, database: Callable[[], Database | None],
                 dead_after: float) -> None:
        self.own_key = route_key(own_id)
        self._own_id = own_id
        self._database = database
        self._dead_after = dead_after
        self._peers: dict[str, Peer] = {}
        self._refreshed = 0.0
        self._lock = asyncio.Lock()

    def get(self, key: str) -> Peer | None:
        return self._peers.get(key)

    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    async def refresh(self) -> None:
        db = self._database()
        if db is None:
            return
        async with self._lock:
            now = utcnow()
            found: dict[str, Peer] = {}
            for info in await hubs.list_hubs(db):
                if info.id == self._own_id:
                    continue
                peer = _peer(info, hubs.is_alive(info, now, self._dead_after))
                if peer is not None:
                    found.setdefault(route_key(info.id), peer)  # most recently seen first
            self._peers = found
            self._refreshed = time.monotonic()

    async def find(self, key: str) -> Peer | None:
        """The peer for ``key``, reading the table again (rate-limited) when it is unknown."""
        peer = self._peers.get(key)
        if peer is None and time.monotonic() - self._refreshed >= MISS_REFRESH_EVERY:
            try:
                await self.refresh()
            except Exception as error:  # the database is away: the id is unknown for now
                log.warning("peers.refresh_failed error=%r", error)
            peer = self._peers.get(key)
        return peer

    def mark_unreachable(self, key: str) -> None:
        """A peer that refused a connection is dead to this hub until the table says
        otherwise (the next settling round)."""
        peer = self._peers.get(key)
        if peer is not None and peer.alive:
            self._peers[key] = dataclasses.replace(peer, alive=False)
