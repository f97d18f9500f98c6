"""/api/config/auto-scaling over HTTP: validated, kept across a restart, audited, admin only."""

from __future__ import annotations

from tests.integration.accounts import admin_token, audit, bearer, signed_up
from tests.support.fixtures import HubFactory, assert_no_leftovers
from tests.support.hubs import RunningHub

PATH = "/api/config/auto-scaling"
# minPoolSize stays 0 so that no warm browser is started by these tests.
CHANGE = {"enabled": True, "minPoolSize": 0, "maxPoolSize": 3, "scaleUpThreshold": 90,
          "scaleDownThreshold": 20, "cooldownPeriod": 120}


def test_invalid_configurations_are_refused_and_change_nothing(hub_factory: HubFactory) -> None:
    hub = hub_factory()
    before = hub.request("GET", PATH)[1]["config"]
    for bad in ({"maxPoolSize": -1}, {"minPoolSize": 2, "maxPoolSize": 1},
                {"scaleUpThreshold": 150}, {"scaleDownThreshold": 90, "scaleUpThreshold": 80},
                {"cooldownPeriod": -5}, {"enabled": "yes"}, {"maxPoolSize": 2.5},
                {"maxPoolSize": "3"}, {"poolSize": 3}):
        status, body = hub.request("POST", PATH, bad)
        assert (status, body["error"]) == (400, "invalid_config"), (bad, body)
        assert body["message"]
    status, body = hub.request("POST", PATH, raw=b"{not json")
    assert (status, body["error"]) == (400, "bad_request")
    assert hub.request("GET", PATH)[1]["config"] == before


def test_configuration_survives_a_restart_on_the_same_data_dir(hub_factory: HubFactory) -> None:
    hub = hub_factory()
    status, body = hub.request("POST", PATH, CHANGE)
    assert status == 200, body
    assert body["config"] == CHANGE
    assert hub.request("GET", PATH)[1]["config"] == CHANGE
    hub.stop()

    again = RunningHub(hub.data_dir, [], {})
    try:
        status, body = again.request("GET", PATH)
        assert (status, body["config"]) == (200, CHANGE)
        # a partial update keeps the rest
        status, body = again.request("POST", PATH, {"cooldownPeriod": 30})
        assert status == 200 and body["config"] == {**CHANGE, "cooldownPeriod": 30.0}
    finally:
        again.stop()
    assert_no_leftovers(again)


def test_only_admins_change_it_with_auth_on_and_each_change_is_audited(
        hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on")
    _, user_token = signed_up(hub)
    admin, root_token = admin_token(hub)

    assert hub.request("GET", PATH)[0] == 401
    assert hub.request("POST", PATH, CHANGE)[0] == 401
    status, body = hub.request("GET", PATH, headers=bearer(user_token))
    assert status == 200 and not body["config"]["enabled"]
    status, body = hub.request("POST", PATH, CHANGE, headers=bearer(user_token))
    assert (status, body["error"]) == (403, "forbidden")
    status, body = hub.request("POST", PATH, CHANGE, headers=bearer(root_token))
    assert (status, body["config"]) == (200, CHANGE)

    entries = audit(hub, root_token, action="config.update")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["userEmail"] == admin and entry["resourceType"] == "setting"
    assert entry["details"]["to"] == CHANGE and not entry["details"]["from"]["enabled"]
