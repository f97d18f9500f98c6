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

from hub import cdp, scaling
from hub.api import setup as api_setup
from hub.api.errors import api_errors
from hub.auth import setup as auth_setup
from hub.background import cancel_and_wait
from hub.config import Settings
from hub.db import setup as db_setup
from hub.grid.distributor import Distributor
from hub.grid.queue import NewSessionQueue
from hub.grid.reaper import run_reaper
from hub.grid.registry import SessionRegistry
from hub.keys import (
    CAPABILITY_HOOKS,
    DISTRIBUTOR,
    HUB_ID,
    MEDIA,
    PROXY,
    QUEUE,
    REGISTRY,
    SETTINGS,
    UPSTREAM,
)
from hub.media import feature as media
from hub.media.provider import MediaProvider
from hub.monitoring import feature as monitoring
from hub.nodes import processes
from hub.nodes.base import Node
from hub.nodes.browsers import detect_chrome, detect_firefox
from hub.nodes.docker_setup import docker_nodes
from hub.nodes.local import LocalNode
from hub.proxy.http import CommandProxy, new_client_session
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
                     display_provider=display_provider)


async def _upstream_ctx(app: web.Application) -> AsyncIterator[None]:
    client = new_client_session()
    app[UPSTREAM] = client
    app[PROXY] = CommandProxy(app[DISTRIBUTOR])
    yield
    await app[PROXY].close()
    await client.close()


async def _nodes_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    await asyncio.to_thread(processes.reap_orphans, app[HUB_ID])
    nodes: list[Node] = []
    if settings.provider == "local":
        nodes.append(await asyncio.to_thread(local_node, settings, app[HUB_ID], app.get(MEDIA)))
    elif settings.provider == "docker":
        nodes.extend(await asyncio.to_thread(docker_nodes, settings, app[HUB_ID], app.get(MEDIA)))
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
    log.info("hub.stopping sessions=%d queued=%d", len(app[REGISTRY]), len(app[QUEUE]))
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
    found.append(db_setup.setup)
    found.append(auth_setup.setup)
    found.append(api_setup.setup)
    found.append(cdp.setup)
    found.append(media.setup)
    found.append(ui_setup.setup)
    found.append(scaling.setup)
    found.append(monitoring.setup)
    return found


def create_app(settings: Settings, hub_id: str | None = None) -> web.Application:
    app = web.Application(middlewares=[api_errors, webdriver_errors],
                          client_max_size=256 * 1024 * 1024)
    app.on_response_prepare.append(add_request_id)
    app[SETTINGS] = settings
    app[HUB_ID] = hub_id or uuid.uuid4().hex
    app[QUEUE] = NewSessionQueue()
    app[REGISTRY] = SessionRegistry()
    app[DISTRIBUTOR] = Distributor(
        app[QUEUE], app[REGISTRY], session_timeout=settings.session_timeout,
        request_timeout=settings.session_request_timeout,
    )
    app[CAPABILITY_HOOKS] = []
    settings.data_path.mkdir(parents=True, exist_ok=True)
    app.cleanup_ctx.append(_upstream_ctx)
    app.cleanup_ctx.append(_nodes_ctx)
    app.cleanup_ctx.append(_background_ctx)
    app.on_shutdown.append(_on_shutdown)
    w3c_routes.add_command_routes(app)  # first, so routing a command tries one pattern
    for setup in features():
        setup(app)
    w3c_routes.add_routes(app)
    return app
