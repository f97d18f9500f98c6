"""Monitoring: Prometheus metrics at /metrics and Selenium Grid's GraphQL at /graphql.

Registered after the scaling feature, so the pool and the autoscaler it reads exist by the
time this feature's cleanup context hooks the latency observers in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from graphql import GraphQLSchema
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub import __version__
from hub.keys import AUTOSCALER, DISTRIBUTOR, METRICS, POOL, PROXY, SETTINGS
from hub.monitoring import graphql
from hub.monitoring.metrics import Metrics
from hub.scope import owns
from hub.untrusted import UnsafeInput, read_json

GRAPHQL_SCHEMA = web.AppKey("graphql_schema", GraphQLSchema)


def _extras(app: web.Application) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if POOL in app:
        found.update(pool_size=app[POOL].size, pool_target=app[POOL].wanted,
                     pool_profiles=app[POOL].profile_sizes())
    if AUTOSCALER in app:
        found["autoscaler_actions"] = dict(app[AUTOSCALER].actions)
    return found


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    metrics = Metrics(app[DISTRIBUTOR], lambda: _extras(app))
    app[METRICS] = metrics
    app[DISTRIBUTOR].add_start_observer(metrics.observe_start)
    app[PROXY].observe = metrics.command.observe
    yield
    app[PROXY].observe = None
    app[DISTRIBUTOR].remove_start_observer(metrics.observe_start)


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def graphql_endpoint(request: web.Request) -> web.Response:
    try:
        body = await read_json(request)
    except UnsafeInput:
        body = None
    app = request.app
    uri = app[SETTINGS].public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    answer = await graphql.execute(app[GRAPHQL_SCHEMA], app[DISTRIBUTOR], body, uri,
                                   f"tggrid {__version__}",
                                   lambda owner: owns(request, owner))
    return graphql.json_answer(answer)


def setup(app: web.Application) -> None:
    app[GRAPHQL_SCHEMA] = graphql.make_schema()
    app.cleanup_ctx.append(_metrics_ctx)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_post("/graphql", graphql_endpoint)
