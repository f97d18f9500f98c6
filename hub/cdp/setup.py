"""Chrome DevTools, WebDriver BiDi and Playwright's ``connect_over_cdp`` through the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.cdp import playwright, routes
from hub.cdp.devtools import add_cdp_capabilities, rewrite_bidi_url
from hub.keys import BRIDGES, CAPABILITY_HOOKS, PUBLIC_PATHS, REGISTRY
from hub.proxy.websocket import Bridges


async def _bridges_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[BRIDGES].close_all("the hub is stopping")


def setup(app: web.Application) -> None:
    """Routes, capability hooks, and the listener that closes a session's websockets."""
    bridges = Bridges()
    app[BRIDGES] = bridges
    app[REGISTRY].subscribe(bridges)
    app.cleanup_ctx.append(_bridges_ctx)
    app[CAPABILITY_HOOKS].extend([add_cdp_capabilities, rewrite_bidi_url])
    routes.add_routes(app)
    playwright.add_routes(app)
    if PUBLIC_PATHS in app:  # Playwright's http form reads it before the (token) handshake
        app[PUBLIC_PATHS].append(playwright.JSON_VERSION)
