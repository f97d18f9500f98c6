"""Which other hub has a free slot for a waiting request, asked live of the peers' /status.

A request this hub cannot place within ``peer_handoff_after`` seconds is offered to the
others: the grid (``Grid.overflow``) asks :class:`RoomFinder`, which reads every live
peer's ``/status`` (Selenium Grid's: each slot's stereotype and whether a session holds it)
and names the first peer with a free slot that fits a candidate. Asked live, not published
in the heartbeat row: the answer is as fresh as the moment of asking, needs no schema
change, and costs nothing while every hub has room. Answers are shared for half a second
between the requests waiting at once, and a slot handed out is taken off the shared answer.

Only requests that came in over HTTP from a client (not forwarded by a peer: one hop at
most) may be handed on; the middleware marks them in :data:`MAY_HAND_ON`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
from typing import Any

import aiohttp
from aiohttp import web

from hub.grid.matching import matches
from hub.grid.queue import SessionRequest
from hub.peers.directory import Peer, PeerDirectory
from hub.peers.ids import HOP_HEADER

log = logging.getLogger(__name__)
STATUS_TIMEOUT = 2.0
FRESH_FOR = 0.5
CREDENTIALS = ("Authorization", "Cookie")

# The client's request while its new session is being placed, when it may go to a peer.
MAY_HAND_ON: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar(
    "tggrid_may_hand_on", default=None)


class RoomFinder:
    def __init__(self, own_id: str, directory: PeerDirectory,
                 client: aiohttp.ClientSession) -> None:
        self._own_id = own_id
        self._directory = directory
        self._client = client
        self._answers: list[tuple[Peer, list[dict[str, Any]]]] = []
        self._asked = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self, request: SessionRequest) -> Peer | None:
        """A live peer with a free slot fitting one of the request's candidates, or None
        (it takes that slot off the shared answer)."""
        http = MAY_HAND_ON.get()
        if http is None:
            return None
        for peer, slots in await self._statuses(http):
            for slot in slots:
                if slot.get("session") is None and any(
                        matches(slot.get("stereotype") or {}, caps)
                        for caps in request.candidates):
                    slot["session"] = {"handedOn": True}
                    log.info("peers.room hub=%s url=%s", peer.id, peer.url)
                    return peer
        return None

    async def _statuses(self, http: web.Request) -> list[tuple[Peer, list[dict[str, Any]]]]:
        async with self._lock:
            if time.monotonic() - self._asked > FRESH_FOR:
                peers = [peer for peer in self._directory.peers() if peer.alive]
                random.shuffle(peers)  # spread what several hubs hand on
                headers = {name: http.headers[name] for name in CREDENTIALS
                           if name in http.headers}
                headers[HOP_HEADER] = self._own_id
                found = await asyncio.gather(*(self._slots(peer, headers) for peer in peers))
                self._answers = [(peer, slots) for peer, slots in zip(peers, found, strict=True)
                                 if slots]
                self._asked = time.monotonic()
            return self._answers

    async def _slots(self, peer: Peer, headers: dict[str, str]) -> list[dict[str, Any]]:
        """The slots of a peer that takes sessions now; none when it does not answer."""
        try:
            async with self._client.get(
                    peer.url + "/status", headers=headers,
                    timeout=aiohttp.ClientTimeout(total=STATUS_TIMEOUT)) as answer:
                if answer.status != 200:
                    return []
                status = (await answer.json(content_type=None))["value"]
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, KeyError,
                TypeError) as error:
            log.info("peers.status_unavailable hub=%s error=%r", peer.id, error)
            return []
        if not status.get("ready"):
            return []
        return [slot for node in status.get("nodes") or [] for slot in node.get("slots") or []
                if isinstance(slot, dict)]
