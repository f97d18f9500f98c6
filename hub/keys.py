"""Typed keys for the components stored on the aiohttp Application (no module-level state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

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

CapabilityHook = Callable[[web.Request, Session, dict[str, Any]], None]

SETTINGS = web.AppKey("settings", Settings)
HUB_ID = web.AppKey("hub_id", str)
QUEUE = web.AppKey("queue", NewSessionQueue)
REGISTRY = web.AppKey("registry", SessionRegistry)
DISTRIBUTOR = web.AppKey("distributor", Distributor)
GRID = web.AppKey("grid", Grid)
UPSTREAM = web.AppKey("upstream", aiohttp.ClientSession)
PROXY = web.AppKey("proxy", CommandProxy)
CAPABILITY_HOOKS = web.AppKey("capability_hooks", list[CapabilityHook])
DATABASE = web.AppKey("database", Database)
DB_WRITER = web.AppKey("db_writer", BackgroundWriter)
AUDIT = web.AppKey("audit", AuditLog)
# This hub's row in the shared hubs table: heartbeat, and settling what dead hubs left.
PRESENCE = web.AppKey("presence", Presence)
AUTH = web.AppKey("auth", Authenticator)
ACCOUNTS = web.AppKey("accounts", Accounts)
# Path prefixes anyone may reach with auth on (health, login, the dashboard's pages...).
PUBLIC_PATHS = web.AppKey("public_paths", list[str])
BRIDGES = web.AppKey("bridges", Bridges)
MEDIA = web.AppKey("media", MediaProvider)
RECORDINGS = web.AppKey("recordings", RecordingService)
LINK_SIGNER = web.AppKey("link_signer", LinkSigner)
# Requests that carry their own proof (signed view links): the auth middleware lets a request
# through without credentials when any of these returns True for it.
ACCESS_GRANTS = web.AppKey("access_grants", list[Callable[[web.Request], bool]])
POOL = web.AppKey("pool", WarmPool)
AUTOSCALER = web.AppKey("autoscaler", Autoscaler)
HEALTH_CHECKER = web.AppKey("health_checker", HealthChecker)
# Relay nodes added through /api/nodes (persisted), by id.
RELAYS = web.AppKey("relays", dict[str, RelayNode])
METRICS = web.AppKey("metrics", Metrics)
