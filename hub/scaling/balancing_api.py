"""/api/loadbalancer and /api/config/auto-scaling: see and change how the grid spreads and
grows. A change applies at once, is stored in the settings table (so it survives a restart)
and is audited."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import audit, json_response, read_body
from hub.api.contract import Answer, operation
from hub.api.errors import BadRequest
from hub.grid.autoscaler import InvalidScalingConfig, ScalingConfig
from hub.grid.balancer import BALANCERS, make_balancer
from hub.keys import AUTOSCALER, DATABASE, DISTRIBUTOR, HEALTH_CHECKER, POOL
from hub.scaling import store
from hub.scaling.nodes_api import require_admin
from hub.scaling.usage import node_view, totals


@operation("The balancing algorithm and each node's load", tag="grid", answers={
    200: Answer("the algorithm and the nodes", {"type": "object"})})
async def stats(request: web.Request) -> web.Response:
    distributor = request.app[DISTRIBUTOR]
    metrics = request.app[HEALTH_CHECKER].metrics
    return json_response({
        "algorithm": distributor.balancer_name, "algorithms": sorted(BALANCERS),
        "nodes": [node_view(slots, metrics.get(slots.id))
                  for slots in distributor.nodes.values()],
        "totals": totals(distributor),
    })


@operation("Change the balancing algorithm (admins); kept across restarts", tag="grid",
           body=s.Algorithm, invalid_code="unknown_algorithm", answers={
               200: Answer("the algorithm now and before", {"type": "object"}),
               403: Answer("not an admin", s.Error)})
async def set_algorithm(request: web.Request) -> web.Response:
    require_admin(request)
    name = (await read_body(request)).get("algorithm")
    if not isinstance(name, str) or name not in BALANCERS:
        raise BadRequest(f"unknown algorithm {name!r}; choose one of "
                         f"{', '.join(sorted(BALANCERS))}", code="unknown_algorithm")
    distributor = request.app[DISTRIBUTOR]
    previous = distributor.balancer_name
    distributor.use_balancer(make_balancer(name))
    await store.save_algorithm(request.app[DATABASE], name)
    audit(request, "config.update", resource_type="setting",
          resource_id=store.ALGORITHM, details={"from": previous, "to": name})
    return json_response({"algorithm": name, "previous": previous})


def _scaling_status(request: web.Request) -> dict[str, object]:
    status = request.app[AUTOSCALER].status()
    status["pool"] = request.app[POOL].stats()
    return status


@operation("The autoscaler's configuration and status", tag="grid", answers={
    200: Answer("configuration, utilisation, pool and recent decisions", {"type": "object"})})
async def get_autoscaling(request: web.Request) -> web.Response:
    return json_response(_scaling_status(request))


@operation("Change the autoscaler (admins); thresholds in percent; kept across restarts",
           tag="grid", body=s.AutoScaling, invalid_code="invalid_config", answers={
               200: Answer("configuration and status", {"type": "object"}),
               403: Answer("not an admin", s.Error)})
async def set_autoscaling(request: web.Request) -> web.Response:
    require_admin(request)
    autoscaler = request.app[AUTOSCALER]
    try:
        config = ScalingConfig.parse(await read_body(request), autoscaler.config)
    except InvalidScalingConfig as error:
        raise BadRequest(str(error), code="invalid_config") from None
    previous = dataclasses.asdict(autoscaler.config)
    autoscaler.reconfigure(config)
    await store.save_autoscaling(request.app[DATABASE], dataclasses.asdict(config))
    audit(request, "config.update", resource_type="setting",
          resource_id=store.AUTOSCALING,
          details={"from": previous, "to": dataclasses.asdict(config)})
    return json_response(_scaling_status(request))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/loadbalancer/stats", stats)
    app.router.add_post("/api/loadbalancer/algorithm", set_algorithm)
    app.router.add_get("/api/config/auto-scaling", get_autoscaling)
    app.router.add_post("/api/config/auto-scaling", set_autoscaling)
