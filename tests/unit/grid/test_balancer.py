"""Each balancer picks as documented (docs/configuration.md, load_balancer)."""

from __future__ import annotations

from hub.grid.balancer import LeastConnections, ResourceBased, RoundRobin, make_balancer
from hub.grid.slots import NodeSlots
from tests.unit.grid.fake_node import FakeNode


def slots(node_id: str, busy: int = 0, max_sessions: int = 4, **metrics: float) -> NodeSlots:
    table = NodeSlots(FakeNode(node_id, max_sessions=max_sessions, metrics=metrics))
    for _ in range(busy):
        slot = table.reserve({"browserName": "chrome"})
        assert slot is not None
    return table


def test_round_robin_takes_the_nodes_in_turn_by_id():
    nodes = [slots("c"), slots("a"), slots("b")]
    balancer = RoundRobin()
    assert [balancer.choose(nodes).id for _ in range(4)] == ["a", "b", "c", "a"]


def test_least_connections_takes_the_least_loaded_share_then_the_lowest_id():
    nodes = [slots("a", busy=2, max_sessions=4), slots("b", busy=1, max_sessions=1),
             slots("c", busy=1, max_sessions=4), slots("d", busy=1, max_sessions=4)]
    assert LeastConnections().choose(nodes).id == "c"


def test_resource_based_weighs_cpu_memory_and_connections():
    # scores: a = 0.5*10 + 0.3*10 + 0.2*75 = 23; b = 0.5*40 + 0.3*20 + 0 = 26
    nodes = [slots("a", busy=3, cpu=10, memory=10), slots("b", cpu=40, memory=20)]
    assert ResourceBased().choose(nodes).id == "a"
    # a node that reports no metrics (a relay) is judged by its connections alone
    assert ResourceBased().choose([slots("relay", busy=2), nodes[1]]).id == "relay"


def test_balancers_by_name():
    assert {make_balancer(name).name for name in
            ("round-robin", "least-connections", "resource-based")} == {
        "round-robin", "least-connections", "resource-based"}
