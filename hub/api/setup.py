"""Wire the JSON API routes of this package into the hub, and its OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from hub.api import audit_logs, auth_routes, health, hubs, openapi, sessions, tokens, users
from hub.keys import PUBLIC_PATHS


def setup(app: web.Application) -> None:
    for module in (health, auth_routes, tokens, audit_logs, sessions, users, hubs, openapi):
        module.add_routes(app)
    if PUBLIC_PATHS in app:
        app[PUBLIC_PATHS].append(openapi.PATH)
