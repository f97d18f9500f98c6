"""Wire security in: the request guard in front of every other middleware, and the
capability policy every session start consults."""

from __future__ import annotations

from aiohttp import web

from hub.keys import DISTRIBUTOR, SETTINGS
from hub.security.guard import HostPolicy, make_guard
from hub.security.policy import CAPABILITY_POLICY, CapabilityPolicy


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app.middlewares.insert(0, make_guard(HostPolicy.from_settings(settings)))
    distributor = app[DISTRIBUTOR]
    app[CAPABILITY_POLICY] = CapabilityPolicy(settings, offered=lambda: [
        binary for slots in distributor.nodes.values() for binary in slots.node.binaries])
