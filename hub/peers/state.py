"""What the peers feature keeps on the app: the directory of hubs and the forwarder."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from hub.peers.capacity import RoomFinder
from hub.peers.directory import PeerDirectory
from hub.peers.forward import PeerForwarder


@dataclasses.dataclass
class Peers:
    directory: PeerDirectory
    forwarder: PeerForwarder
    rooms: RoomFinder


PEERS: web.AppKey[Peers] = web.AppKey("peers", Peers)
