"""Balancing over relay nodes in front of separate real chromedrivers: each algorithm's
choices, a node that fails its health check skipped and brought back, the algorithm choice
surviving a restart."""

from __future__ import annotations

from pathlib import Path

from tests.integration.scaling.conftest import (
    ALLOW_RELAY_BINARY,
    add_relay,
    new_session,
    node_of,
    quit_session,
    wait_for,
)
from tests.support.fixtures import HubFactory

# The local node offers only Firefox, so Chrome requests go to the relays.
HUB_ARGS = ("--browsers", "firefox", "--health-check-interval", "1", *ALLOW_RELAY_BINARY)


def _switch(hub, algorithm: str) -> None:  # type: ignore[no-untyped-def]
    status, body = hub.request("POST", "/api/loadbalancer/algorithm", {"algorithm": algorithm})
    assert status == 200, body
    assert hub.request("GET", "/api/loadbalancer/stats")[1]["algorithm"] == algorithm


def test_round_robin_takes_turns_even_when_a_node_is_idle(hub_factory: HubFactory,
                                                          chromedrivers) -> None:
    hub = hub_factory(*HUB_ARGS)
    for name in ("relay-a", "relay-b", "relay-c"):
        add_relay(hub, chromedrivers(), name)
    _switch(hub, "round-robin")
    landed = []
    for _ in range(4):
        session = new_session(hub)
        landed.append(node_of(hub, session))
        quit_session(hub, session)
    first = ["relay-a", "relay-b", "relay-c"].index(landed[0])
    expected = [["relay-a", "relay-b", "relay-c"][(first + i) % 3] for i in range(4)]
    assert landed == expected


def test_least_connections_prefers_the_emptiest_node(hub_factory: HubFactory,
                                                     chromedrivers) -> None:
    hub = hub_factory(*HUB_ARGS)
    for name in ("relay-a", "relay-b"):
        add_relay(hub, chromedrivers(), name)
    _switch(hub, "least-connections")
    held = new_session(hub)
    assert node_of(hub, held) == "relay-a"
    second = new_session(hub)
    assert node_of(hub, second) == "relay-b"
    quit_session(hub, second)
    third = new_session(hub)  # a holds one, b none: b again, not a turn-taking a
    assert node_of(hub, third) == "relay-b"
    stats = hub.request("GET", "/api/loadbalancer/stats")[1]
    assert {n["id"]: n["activeSessions"] for n in stats["nodes"]
            if n["kind"] == "relay"} == {"relay-a": 1, "relay-b": 1}
    assert stats["totals"]["activeSessions"] == 2


def test_resource_based_scores_relays_by_their_connections(hub_factory: HubFactory,
                                                           chromedrivers) -> None:
    hub = hub_factory(*HUB_ARGS)
    add_relay(hub, chromedrivers(), "relay-a", max_sessions=4)
    add_relay(hub, chromedrivers(), "relay-b", max_sessions=2)
    _switch(hub, "resource-based")
    first = new_session(hub)
    second = new_session(hub)
    # a: 1 of 4 (25 % -> score 5) beats b's 1 of 2 (50 % -> score 10)
    third = new_session(hub)
    assert [node_of(hub, s) for s in (first, second, third)] == ["relay-a", "relay-b",
                                                                 "relay-a"]
    scores = {n["id"]: n["score"] for n in hub.request("GET", "/api/loadbalancer/stats")[1][
        "nodes"] if n["kind"] == "relay"}
    assert scores == {"relay-a": 10.0, "relay-b": 10.0}


def test_an_unhealthy_node_is_skipped_and_comes_back(hub_factory: HubFactory,
                                                     chromedrivers) -> None:
    hub = hub_factory(*HUB_ARGS)
    a = chromedrivers()
    add_relay(hub, a, "relay-a")
    add_relay(hub, chromedrivers(), "relay-b")
    _switch(hub, "least-connections")

    def availability(node_id: str) -> str:
        nodes = hub.request("GET", "/api/nodes")[1]["nodes"]
        return next(n["availability"] for n in nodes if n["id"] == node_id)

    a.stop()
    wait_for(lambda: availability("relay-a") == "DOWN", what="relay-a taken out")
    health = hub.request("GET", "/api/health")
    assert health[0] == 200 and health[1]["status"] == "degraded"
    session = new_session(hub)
    assert node_of(hub, session) == "relay-b"
    quit_session(hub, session)

    chromedrivers(a.port)
    wait_for(lambda: availability("relay-a") == "UP", what="relay-a back")
    session = new_session(hub)
    assert node_of(hub, session) == "relay-a"


def test_algorithm_and_relays_survive_a_restart(hub_factory: HubFactory, chromedrivers,
                                                tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    hub = hub_factory(*HUB_ARGS, "--database-url", database)
    driver = chromedrivers()
    add_relay(hub, driver, "relay-kept")
    _switch(hub, "round-robin")
    hub.stop()

    again = hub_factory(*HUB_ARGS, "--database-url", database)
    stats = again.request("GET", "/api/loadbalancer/stats")[1]
    assert stats["algorithm"] == "round-robin"
    assert "relay-kept" in {n["id"] for n in stats["nodes"]}
    session = new_session(again)
    assert node_of(again, session) == "relay-kept"


def test_unknown_algorithm_is_refused(hub_factory: HubFactory) -> None:
    hub = hub_factory("--browsers", "firefox")
    status, body = hub.request("POST", "/api/loadbalancer/algorithm", {"algorithm": "random"})
    assert status == 400
    assert body["error"] == "unknown_algorithm" and "round-robin" in body["message"]
    assert hub.request("GET", "/api/loadbalancer/stats")[1]["algorithm"] == "least-connections"
