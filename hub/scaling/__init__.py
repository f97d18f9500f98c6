"""Scaling: relay nodes, the balancing algorithm, health checks, the warm pool, the autoscaler.

One cleanup context brings back what the database remembers (algorithm, relay nodes,
auto-scaling configuration), then runs three background loops; on the way down it destroys
the pool's never-used browsers and closes the relays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.background import cancel_and_wait
from hub.grid.autoscaler import Autoscaler, InvalidScalingConfig, ScalingConfig
from hub.grid.balancer import make_balancer
from hub.grid.health import HealthChecker
from hub.grid.pool import WarmPool
from hub.keys import AUTOSCALER, DATABASE, DISTRIBUTOR, HEALTH_CHECKER, POOL, RELAYS, SETTINGS
from hub.nodes.relay import RelayNode
from hub.scaling import balancing_api, nodes_api, store
from hub.scaling.usage import utilisation
from hub.security.policy import policy_of

log = logging.getLogger(__name__)


async def _scaling_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, db, distributor = app[SETTINGS], app[DATABASE], app[DISTRIBUTOR]
    algorithm = await store.algorithm(db) or settings.load_balancer
    try:
        distributor.balancer = make_balancer(algorithm)
    except KeyError:
        log.warning("balancer.unknown_stored name=%s", algorithm)
        distributor.balancer = make_balancer(settings.load_balancer)
    app[RELAYS] = {}
    for entry in await store.relays(db):
        node = RelayNode(entry["id"], entry["url"], max_sessions=int(entry["maxSessions"]),
                         stereotypes=entry.get("stereotypes"),
                         start_timeout=settings.session_start_timeout)
        await node.start()
        app[RELAYS][node.id] = node
        distributor.add_node(node)
        log.info("node.restored id=%s url=%s", node.id, node.uri)

    default = ScalingConfig(enabled=settings.autoscaling, minPoolSize=settings.warm_pool_size,
                            maxPoolSize=max(4, settings.warm_pool_size))
    try:
        config = ScalingConfig.parse(await store.autoscaling(db) or {}, default)
    except InvalidScalingConfig as error:
        log.warning("autoscaler.stored_config_invalid error=%s", error)
        config = default
    target = min(max(settings.warm_pool_size, config.minPoolSize), config.maxPoolSize)
    policy = policy_of(app)
    pool = WarmPool(lambda: distributor.nodes.values(), target=target,
                    check=policy.check if policy else None)
    distributor.pool = pool
    app[POOL] = pool
    app[AUTOSCALER] = Autoscaler(config, utilisation=lambda: utilisation(distributor),
                                 resize=pool.resize, target=target,
                                 evaluation_interval=settings.evaluation_interval)
    app[HEALTH_CHECKER] = HealthChecker(lambda: distributor.nodes.values(),
                                        settings.health_check_interval,
                                        on_change=distributor.queue.changed.set)
    tasks = [asyncio.create_task(app[HEALTH_CHECKER].run(), name="health-checker"),
             asyncio.create_task(pool.run(), name="warm-pool"),
             asyncio.create_task(app[AUTOSCALER].run(), name="autoscaler")]
    yield
    await cancel_and_wait(tasks)
    distributor.pool = None
    await pool.close()
    for node in app[RELAYS].values():
        await node.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_scaling_ctx)
    nodes_api.add_routes(app)
    balancing_api.add_routes(app)
