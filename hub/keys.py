"""Typed keys for the components stored on the aiohttp Application (no module-level state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from hub.config import Settings
from hub.grid.distributor import Distributor
from hub.grid.queue import NewSessionQueue
from hub.grid.registry import SessionRegistry
from hub.grid.session import Session
from hub.proxy.http import CommandProxy

CapabilityHook = Callable[[web.Request, Session, dict[str, Any]], None]

SETTINGS = web.AppKey("settings", Settings)
HUB_ID = web.AppKey("hub_id", str)
QUEUE = web.AppKey("queue", NewSessionQueue)
REGISTRY = web.AppKey("registry", SessionRegistry)
DISTRIBUTOR = web.AppKey("distributor", Distributor)
UPSTREAM = web.AppKey("upstream", aiohttp.ClientSession)
PROXY = web.AppKey("proxy", CommandProxy)
CAPABILITY_HOOKS = web.AppKey("capability_hooks", list[CapabilityHook])
