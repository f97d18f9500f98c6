"""The node registry API with auth on: admins add, drain and remove relay nodes, everyone
else is turned away, and every change lands in the audit log."""

from __future__ import annotations

from tests.integration.accounts import admin_token, audit, bearer, signed_up
from tests.integration.scaling.conftest import ALLOW_RELAY_BINARY, new_session, node_of
from tests.support.fixtures import HubFactory


def test_admins_manage_nodes_and_every_change_is_audited(hub_factory: HubFactory,
                                                         chromedrivers) -> None:
    hub = hub_factory("--auth", "on", "--browsers", "firefox")
    _, admin = admin_token(hub)
    _, user = signed_up(hub)
    driver = chromedrivers()
    body = {"id": "relay-x", "url": driver.url, "maxSessions": 1}

    assert hub.request("POST", "/api/nodes", body)[0] == 401
    assert hub.request("POST", "/api/nodes", body, headers=bearer(user))[0] == 403
    status, added = hub.request("POST", "/api/nodes", body, headers=bearer(admin))
    assert status == 201 and added["availability"] == "UP" and added["kind"] == "relay"
    assert hub.request("POST", "/api/nodes", body, headers=bearer(admin))[0] == 409
    assert hub.request("POST", "/api/nodes", {"url": "ftp://x"}, headers=bearer(admin))[0] == 400

    listed = hub.request("GET", "/api/nodes", headers=bearer(user))[1]["nodes"]
    assert {n["id"] for n in listed} >= {"relay-x"}

    assert hub.request("POST", "/se/grid/distributor/node/relay-x/drain",
                       headers=bearer(user))[0] == 403
    status, drained = hub.request("POST", "/se/grid/distributor/node/relay-x/drain",
                                  headers=bearer(admin))
    assert status == 200 and drained == {"value": True}
    nodes = {n["id"]: n for n in hub.request("GET", "/api/nodes", headers=bearer(admin))[1][
        "nodes"]}
    assert nodes["relay-x"]["availability"] == "DRAINING"

    local = next(n for n in nodes if n != "relay-x")
    assert hub.request("DELETE", f"/api/nodes/{local}", headers=bearer(admin))[0] == 409
    assert hub.request("DELETE", "/api/nodes/relay-x", headers=bearer(user))[0] == 403
    assert hub.request("DELETE", "/api/nodes/relay-x", headers=bearer(admin))[0] == 204
    assert hub.request("DELETE", "/api/nodes/relay-x", headers=bearer(admin))[0] == 404

    actions = [e["action"] for e in audit(hub, admin, resourceType="node")]
    assert sorted(actions) == ["node.add", "node.drain", "node.remove"]


def test_a_drained_node_gets_no_new_sessions(hub_factory: HubFactory, chromedrivers) -> None:
    hub = hub_factory("--browsers", "firefox", *ALLOW_RELAY_BINARY)
    for name in ("relay-a", "relay-b"):
        status, _ = hub.request("POST", "/api/nodes", {"id": name, "url": chromedrivers().url,
                                                       "maxSessions": 2})
        assert status == 201
    assert hub.request("POST", "/api/nodes/relay-a/drain")[0] == 200
    sessions = [new_session(hub) for _ in range(2)]
    assert [node_of(hub, s) for s in sessions] == ["relay-b", "relay-b"]
