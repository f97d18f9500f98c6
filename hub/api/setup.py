"""Wire the JSON API routes of this package into the hub."""

from __future__ import annotations

from aiohttp import web

from hub.api import audit_logs, auth_routes, health, hubs, sessions, tokens, users


def setup(app: web.Application) -> None:
    for module in (health, auth_routes, tokens, audit_logs, sessions, users, hubs):
        module.add_routes(app)
