"""Typed keys for the components stored on the aiohttp Application (no module-level state).

The component types are imported for type checking only: this module sits below every
package, so any of them may import it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from hub.auth.accounts import Accounts
    from hub.auth.authenticator import Authenticator
    from hub.config import Settings
    from hub.db.audit import AuditLog
    from hub.db.engine import Database
    from hub.db.presence import Presence
    from hub.db.writer import BackgroundWriter
    from hub.grid.autoscaler import Autoscaler
    from hub.grid.distributor import Distributor
    from hub.grid.health import HealthChecker
    from hub.grid.pool import WarmPool
    from hub.grid.queue import NewSessionQueue
    from hub.grid.registry import SessionRegistry
    from hub.grid.session import Session
    from hub.grid.submit import Grid
    from hub.media.provider import MediaProvider
    from hub.media.service import RecordingService
    from hub.media.signing import LinkSigner
    from hub.monitoring.metrics import Metrics
    from hub.nodes.relay import RelayNode
    from hub.proxy.http import CommandProxy
    from hub.proxy.websocket import Bridges

CapabilityHook = Callable[[web.Request, "Session", dict[str, Any]], None]

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
HUB_ID: web.AppKey[str] = web.AppKey("hub_id")
QUEUE: web.AppKey[NewSessionQueue] = web.AppKey("queue")
REGISTRY: web.AppKey[SessionRegistry] = web.AppKey("registry")
DISTRIBUTOR: web.AppKey[Distributor] = web.AppKey("distributor")
GRID: web.AppKey[Grid] = web.AppKey("grid")
UPSTREAM: web.AppKey[aiohttp.ClientSession] = web.AppKey("upstream")
PROXY: web.AppKey[CommandProxy] = web.AppKey("proxy")
CAPABILITY_HOOKS: web.AppKey[list[CapabilityHook]] = web.AppKey("capability_hooks")
DATABASE: web.AppKey[Database] = web.AppKey("database")
DB_WRITER: web.AppKey[BackgroundWriter] = web.AppKey("db_writer")
AUDIT: web.AppKey[AuditLog] = web.AppKey("audit")
# This hub's row in the shared hubs table: heartbeat, and settling what dead hubs left.
PRESENCE: web.AppKey[Presence] = web.AppKey("presence")
AUTH: web.AppKey[Authenticator] = web.AppKey("auth")
ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts")
# Path prefixes anyone may reach with auth on (health, login, the dashboard's pages...).
PUBLIC_PATHS: web.AppKey[list[str]] = web.AppKey("public_paths")
BRIDGES: web.AppKey[Bridges] = web.AppKey("bridges")
MEDIA: web.AppKey[MediaProvider] = web.AppKey("media")
RECORDINGS: web.AppKey[RecordingService] = web.AppKey("recordings")
LINK_SIGNER: web.AppKey[LinkSigner] = web.AppKey("link_signer")
# Requests that carry their own proof (signed view links): the auth middleware lets a request
# through without credentials when any of these returns True for it.
ACCESS_GRANTS: web.AppKey[list[Callable[[web.Request], bool]]] = web.AppKey("access_grants")
POOL: web.AppKey[WarmPool] = web.AppKey("pool")
AUTOSCALER: web.AppKey[Autoscaler] = web.AppKey("autoscaler")
HEALTH_CHECKER: web.AppKey[HealthChecker] = web.AppKey("health_checker")
# Relay nodes added through /api/nodes (persisted), by id.
RELAYS: web.AppKey[dict[str, RelayNode]] = web.AppKey("relays")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
