"""What monitoring sees of a real hub: Prometheus text parsed with prometheus-client's own
parser, the KEDA scaler's GraphQL query answered with the grid's real numbers, and health
going degraded when the database goes away."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from typing import Any

import asyncpg
from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver

from tests.integration.scaling.conftest import wait_for
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

KEDA_QUERY = ("{ grid { sessionCount, maxSession, totalSlots }, nodesInfo { nodes { id, "
              "status, sessionCount, maxSession, slotCount, stereotypes, sessions { id, "
              "capabilities, slot { id, stereotype } } } }, sessionsInfo { "
              "sessionQueueRequests } }")


def _metrics(hub: RunningHub) -> dict[str, list[Any]]:
    with urllib.request.urlopen(hub.url + "/metrics", timeout=30) as response:
        text = response.read().decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def _value(samples: list[Any], name: str, **labels: str) -> float:
    return next(s.value for s in samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def _graphql(hub: RunningHub, query: str) -> dict[str, Any]:
    status, body = hub.request("POST", "/graphql", {"query": query})
    assert status == 200, body
    return body["data"]


def test_metrics_follow_sessions_and_commands(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "chrome", "--max-sessions", "2")
    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    try:
        for _ in range(3):
            driver.get("data:text/html,<title>m</title>")
        metrics = _metrics(hub)
        assert _value(metrics["tggrid_sessions_active"], "tggrid_sessions_active") == 1
        assert _value(metrics["tggrid_sessions_queued"], "tggrid_sessions_queued") == 0
        assert _value(metrics["tggrid_node_capacity"], "tggrid_node_capacity",
                      kind="local") == 2
        assert _value(metrics["tggrid_node_sessions"], "tggrid_node_sessions",
                      kind="local") == 1
        assert _value(metrics["tggrid_command_seconds"], "tggrid_command_seconds_count") >= 3
        assert _value(metrics["tggrid_session_start_seconds"],
                      "tggrid_session_start_seconds_count", source="cold") == 1
        assert _value(metrics["tggrid_pool_size"], "tggrid_pool_size") == 0
        assert "tggrid_autoscaler_actions" in metrics
        assert _value(metrics["tggrid_recordings_active"], "tggrid_recordings_active") == 0
    finally:
        driver.quit()
    assert _value(_metrics(hub)["tggrid_sessions_active"], "tggrid_sessions_active") == 0


def test_keda_query_answers_with_the_grids_numbers(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "chrome", "--max-sessions", "1")
    driver = webdriver.Remote(hub.url, options=webdriver.ChromeOptions())
    waiting = threading.Thread(target=hub.request, args=("POST", "/session", {
        "capabilities": {"alwaysMatch": {"browserName": "chrome", "se:name": "queued"}}}),
        kwargs={"timeout": 120})
    waiting.start()
    try:
        wait_for(lambda: _graphql(hub, KEDA_QUERY)["sessionsInfo"]["sessionQueueRequests"],
                 what="the second request queued")
        data = _graphql(hub, KEDA_QUERY)
        assert data["grid"] == {"sessionCount": 1, "maxSession": 1, "totalSlots": 1}
        (node,) = data["nodesInfo"]["nodes"]
        assert (node["status"], node["sessionCount"], node["maxSession"],
                node["slotCount"]) == ("UP", 1, 1, 1)
        (stereotype,) = json.loads(node["stereotypes"])
        assert stereotype["slots"] == 1 and stereotype["stereotype"]["browserName"] == "chrome"
        (session,) = node["sessions"]
        assert session["id"] == driver.session_id
        assert json.loads(session["capabilities"])["browserName"] == "chrome"
        assert json.loads(session["slot"]["stereotype"])["browserName"] == "chrome"
        (queued,) = data["sessionsInfo"]["sessionQueueRequests"]
        assert json.loads(queued) == {"browserName": "chrome", "se:name": "queued"}
    finally:
        hub.request("DELETE", "/se/grid/newsessionqueue/queue")
        waiting.join(120)
        driver.quit()
    extra = _graphql(hub, "{ grid { nodeCount sessionQueueSize sessionCount } }")
    assert extra["grid"] == {"nodeCount": 1, "sessionQueueSize": 0, "sessionCount": 0}


def test_health_is_degraded_while_the_database_is_gone(hub_factory: HubFactory,
                                                       postgres_url: str) -> None:  # noqa: F811
    hub = hub_factory("--browsers", "chrome", "--database-url", postgres_url)
    status, body = hub.request("GET", "/api/health")
    assert status == 200 and body["status"] == "healthy", body
    assert body["details"]["database"]["status"] == "up"
    assert body["sessions"] == {"active": 0, "queued": 0}

    base, _, name = postgres_url.rpartition("/")
    asyncio.run(_drop(f"{base}/postgres", name))
    status, body = hub.request("GET", "/api/health")
    assert status == 200 and body["status"] == "degraded", body
    assert body["details"]["database"]["status"] == "down"
    assert body["details"]["nodes"]["healthy"] == 1
    assert set(body["performance"]) == {"cpuUsage", "memoryUsage", "activeConnections"}


def test_health_is_503_when_no_node_can_serve(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "chrome")
    (node,) = hub.request("GET", "/api/nodes")[1]["nodes"]
    assert hub.request("POST", f"/api/nodes/{node['id']}/drain")[0] == 200
    status, body = hub.request("GET", "/api/health")
    assert status == 503 and body["status"] == "unhealthy"


async def _drop(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await connection.close()
