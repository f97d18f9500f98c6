"""Wire hub-to-hub routing in: session ids that name their hub, the directory of hubs
(refreshed on every settling round of the presence) and the forwarding middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.db.presence import HubStates
from hub.db.setup import HUB_STATE_LISTENERS
from hub.keys import DATABASE, DISTRIBUTOR, GRID, HUB_ID, SETTINGS, UPSTREAM
from hub.peers.capacity import RoomFinder
from hub.peers.directory import PeerDirectory
from hub.peers.forward import PeerForwarder
from hub.peers.ids import route_key
from hub.peers.middleware import route_to_owner
from hub.peers.state import PEERS, Peers

log = logging.getLogger(__name__)


async def _peers_ctx(app: web.Application) -> AsyncIterator[None]:
    directory = PeerDirectory(app[HUB_ID], lambda: app.get(DATABASE),
                              app[SETTINGS].hub_dead_after)
    peers = Peers(directory, PeerForwarder(app[HUB_ID], app[UPSTREAM]),
                  RoomFinder(app[HUB_ID], directory, app[UPSTREAM]))
    app[PEERS] = peers
    handoff_after = app[SETTINGS].peer_handoff_after
    if handoff_after > 0:
        app[GRID].overflow_after = handoff_after
        app[GRID].overflow = peers.rooms
    try:
        await directory.refresh()
    except Exception as error:  # the database is away: the first lookup reads it again
        log.warning("peers.refresh_failed error=%r", error)
    yield
    app[GRID].overflow = None
    await peers.forwarder.close()


def setup(app: web.Application) -> None:
    app[DISTRIBUTOR].session_id_suffix = route_key(app[HUB_ID])
    app.cleanup_ctx.append(_peers_ctx)
    app.middlewares.append(route_to_owner)  # innermost: after guard, auth and CSRF

    async def refresh(states: HubStates) -> None:
        if PEERS in app:
            await app[PEERS].directory.refresh()

    if HUB_STATE_LISTENERS in app:
        app[HUB_STATE_LISTENERS].append(refresh)
