"""Build the hub's aiohttp Application and wire its components.

Each resource is one cleanup context: set up before ``yield``, torn down after, in reverse
order, and only if its set-up succeeded. On shutdown the grid first stops taking sessions and
ends running ones, so no browser or driver outlives the hub.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from hub import processes
from hub.api import setup as api_setup
from hub.api.errors import api_errors, refuse_unauthenticated
from hub.auth import setup as auth_setup
from hub.auth.middleware import REFUSE
from hub.background import cancel_and_wait
from hub.cdp import setup as cdp_setup
from hub.config import Settings
from hub.db import setup as db_setup
from hub.db.presence import FenceListener, HubStates, Listener
from hub.db.setup import FENCE_LISTENERS, HUB_STATE_LISTENERS
from hub.grid.distributor import Distributor
from hub.grid.pool import WarmPool
from hub.grid.queue import NewSessionQueue
from hub.grid.reaper import run_reaper
from hub.grid.registry import SessionRegistry
from hub.grid.slots import NodeSlots
from hub.grid.submit import Grid, SessionDefaults
from hub.keys import (
    CAPABILITY_HOOKS,
    DISTRIBUTOR,
    GRID,
    HUB_ID,
    MEDIA,
    POOL,
    PROXY,
    QUEUE,
    REGISTRY,
    SETTINGS,
    UPSTREAM,
)
from hub.media import setup as media_setup
from hub.media.provider import MediaProvider
from hub.monitoring import setup as monitoring_setup
from hub.nodes.base import Node
from hub.nodes.browsers import detect_chrome, detect_firefox, detect_webkit
from hub.nodes.docker_setup import docker_nodes
from hub.nodes.kubernetes_setup import kubernetes_node
from hub.nodes.local import LocalNode
from hub.peers import setup as peers_setup
from hub.proxy.http import CommandProxy, new_client_session
from hub.scaling import setup as scaling_setup
from hub.security import setup as security_setup
from hub.security.policy import CapabilityPolicy
from hub.security.privileges import browser_user
from hub.timeline import setup as timeline_setup
from hub.ui import setup as ui_setup
from hub.untrusted import add_request_id
from hub.w3c import routes as w3c_routes
from hub.w3c.middleware import webdriver_errors

log = logging.getLogger(__name__)


def local_node(
    settings: Settings, hub_id: str, display_provider: MediaProvider | None = None
) -> LocalNode:
    detectors = {
        "chrome": lambda: detect_chrome(settings.chrome_binary, settings.chromedriver_binary),
        "firefox": lambda: detect_firefox(settings.firefox_binary, settings.geckodriver_binary),
        "webkit": lambda: detect_webkit(settings.webkit_binary, settings.webkitdriver_binary),
    }
    installs = []
    for name in settings.browsers:
        if name not in detectors:
            log.warning("node.unknown_browser name=%s", name)
            continue
        install = detectors[name]()
        if install is None:
            log.warning("node.browser_missing name=%s", name)
            continue
        log.info("node.browser_found name=%s version=%s browser=%s driver=%s", install.name,
                 install.version, install.browser_binary, install.driver_binary)
        installs.append(install)
    return LocalNode(hub_id=hub_id, installs=installs, max_sessions=settings.max_sessions,
                     start_timeout=settings.session_start_timeout,
                     display_provider=display_provider,
                     run_as=browser_user(settings.browser_user))


async def _upstream_ctx(app: web.Application) -> AsyncIterator[None]:
    client = new_client_session()
    app[UPSTREAM] = client
    distributor = app[DISTRIBUTOR]
    app[PROXY] = CommandProxy(
        lambda session, reason: distributor.end_session(session, reason, failed=True))
    app[REGISTRY].subscribe(app[PROXY])
    yield
    await app[PROXY].close()
    await client.close()


async def _sentinel_ctx(app: web.Application) -> AsyncIterator[None]:
    """Whatever this hub starts is killed when it dies outright, not at the next start."""
    sentinel = await processes.start_sentinel(app[HUB_ID])
    yield
    await processes.stop_sentinel(sentinel)


async def _nodes_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    await asyncio.to_thread(processes.reap_orphans, app[HUB_ID])
    nodes: list[Node] = []
    if settings.provider == "local":
        nodes.append(await asyncio.to_thread(local_node, settings, app[HUB_ID], app.get(MEDIA)))
    elif settings.provider == "docker":
        nodes.extend(await asyncio.to_thread(docker_nodes, settings, app[HUB_ID], app.get(MEDIA)))
    elif settings.provider == "kubernetes":
        nodes.append(kubernetes_node(settings, app[HUB_ID], app.get(MEDIA)))
    for node in nodes:
        await node.start()
        app[DISTRIBUTOR].add_node(node)
    yield
    for node in nodes:
        await node.close()


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    distributor = app[DISTRIBUTOR]
    tasks = [
        asyncio.create_task(distributor.run(), name="distributor"),
        asyncio.create_task(run_reaper(distributor, app[SETTINGS].reaper_interval),
                            name="reaper"),
    ]
    yield
    await cancel_and_wait(tasks)


async def _on_shutdown(app: web.Application) -> None:
    log.info("hub.stopping sessions=%d queued=%d", app[DISTRIBUTOR].session_count,
             app[DISTRIBUTOR].queued)
    await app[DISTRIBUTOR].shutdown()
    await app[REGISTRY].drain_listeners()


FeatureSetup = Callable[[web.Application], None]


def features() -> list[FeatureSetup]:
    """Each package's ``setup(app)``: adds its routes, cleanup contexts, hooks, listeners.

    Order matters: the database comes first (others write to it), auth next (its middleware
    guards everything registered after).
    """
    found: list[FeatureSetup] = []
    # feature setups: one line each, in order
    found.append(security_setup.setup)
    found.append(db_setup.setup)
    found.append(auth_setup.setup)
    found.append(api_setup.setup)
    found.append(cdp_setup.setup)
    found.append(media_setup.setup)
    found.append(timeline_setup.setup)
    found.append(ui_setup.setup)
    found.append(scaling_setup.setup)
    found.append(monitoring_setup.setup)
    found.append(peers_setup.setup)  # last: its middleware runs innermost
    return found


def _presence_listeners(app: web.Application, distributor: Distributor) -> None:
    """What the grid does when the database says hubs died or this one must fence itself."""

    async def reap_nodes(states: HubStates) -> None:
        """Every node removes what dead hubs left on it (Docker: their containers)."""
        if states.dead:
            for slots in list(distributor.nodes.values()):
                await slots.node.reap_dead_hubs(states.dead)

    async def fence(why: str | None) -> None:
        """Others took this hub for dead (they failed its sessions and removed its
        containers): end the sessions here too and start none until the database answers."""
        if why is None:
            distributor.resume()
        else:
            distributor.pause(why)
            await distributor.end_all(why, failed=True)

    hub_states: list[Listener] = [reap_nodes]
    fences: list[FenceListener] = [fence]
    app[HUB_STATE_LISTENERS], app[FENCE_LISTENERS] = hub_states, fences


def create_app(settings: Settings, hub_id: str | None = None) -> web.Application:
    app = web.Application(middlewares=[api_errors, webdriver_errors],
                          client_max_size=settings.max_session_body_size)
    app.on_response_prepare.append(add_request_id)
    app[SETTINGS] = settings
    app[HUB_ID] = hub_id or uuid.uuid4().hex
    app[QUEUE] = NewSessionQueue()
    app[REGISTRY] = SessionRegistry()
    defaults = SessionDefaults(enable_vnc=settings.enable_vnc,
                               enable_video=settings.enable_recording)
    nodes: dict[str, NodeSlots] = {}
    # The capability policy: every session start (through the grid) and the pool obey it.
    policy = CapabilityPolicy(settings, offered=lambda: [
        binary for slots in nodes.values() for binary in slots.node.binaries])
    app[POOL] = WarmPool(lambda: nodes.values(), defaults=defaults.apply, check=policy.check)
    app[DISTRIBUTOR] = Distributor(
        app[QUEUE], app[REGISTRY], session_timeout=settings.session_timeout,
        request_timeout=settings.session_request_timeout, nodes=nodes, pool=app[POOL],
    )
    app[GRID] = Grid(app[DISTRIBUTOR], request_timeout=settings.session_request_timeout,
                     defaults=defaults, check=policy.check)
    _presence_listeners(app, app[DISTRIBUTOR])
    app[REFUSE] = refuse_unauthenticated
    app[CAPABILITY_HOOKS] = []
    settings.data_path.mkdir(parents=True, exist_ok=True)
    app.cleanup_ctx.append(_upstream_ctx)
    app.cleanup_ctx.append(_sentinel_ctx)
    app.cleanup_ctx.append(_nodes_ctx)
    app.cleanup_ctx.append(_background_ctx)
    app.on_shutdown.append(_on_shutdown)
    w3c_routes.add_command_routes(app)  # first, so routing a command tries one pattern
    for setup in features():
        setup(app)
    w3c_routes.add_routes(app)
    return app
