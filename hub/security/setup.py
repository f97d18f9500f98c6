"""Wire security in: the request guard in front of every other middleware. (The capability
policy is built with the grid in ``hub.app``: the grid and the warm pool consult it.)"""

from __future__ import annotations

from aiohttp import web

from hub.keys import SETTINGS
from hub.security.guard import HostPolicy, make_guard


def setup(app: web.Application) -> None:
    app.middlewares.insert(0, make_guard(HostPolicy.from_settings(app[SETTINGS])))
