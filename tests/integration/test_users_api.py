"""/api/users: admins list and change accounts; disabling one locks it out at once."""

from __future__ import annotations

from tests.integration.accounts import (
    PASSWORD,
    admin_token,
    audit,
    basic,
    bearer,
    signed_up,
)
from tests.support.fixtures import HubFactory


def test_admin_lists_users_and_users_may_only_rename_themselves(
        hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on")
    alice, alice_token = signed_up(hub, "alice")
    bob, _ = signed_up(hub, "bob")
    _, root_token = admin_token(hub)

    status, body = hub.request("GET", "/api/users", headers=bearer(root_token))
    assert status == 200, body
    by_email = {user["email"]: user for user in body["items"]}
    assert {alice, bob} <= set(by_email)
    alice_id, bob_id = by_email[alice]["id"], by_email[bob]["id"]
    assert not by_email[alice]["isAdmin"] and not by_email[alice]["disabled"]

    assert hub.request("GET", "/api/users", headers=bearer(alice_token))[0] == 403
    assert hub.request("GET", "/api/users")[0] == 401

    status, body = hub.request("PATCH", f"/api/users/{alice_id}", {"fullName": "Alice A."},
                               headers=bearer(alice_token))
    assert (status, body["user"]["fullName"]) == (200, "Alice A."), body
    status, body = hub.request("PATCH", f"/api/users/{alice_id}", {"isAdmin": True},
                               headers=bearer(alice_token))
    assert (status, body["error"]) == (403, "admin_required")
    status, body = hub.request("PATCH", f"/api/users/{bob_id}", {"fullName": "Mallory"},
                               headers=bearer(alice_token))
    assert (status, body["error"]) == (404, "not_found")

    for bad in ({}, {"disabled": "yes"}, {"role": "admin"}, {"fullName": 3}):
        status, body = hub.request("PATCH", f"/api/users/{bob_id}", bad,
                                   headers=bearer(root_token))
        assert (status, body["error"]) == (400, "bad_request"), bad
    assert hub.request("PATCH", "/api/users/99999", {"fullName": "x"},
                       headers=bearer(root_token))[0] == 404

    status, body = hub.request("PATCH", f"/api/users/{alice_id}", {"isAdmin": True},
                               headers=bearer(root_token))
    assert status == 200 and body["user"]["isAdmin"], body
    # the promotion applies to alice's existing token at once
    assert hub.request("GET", "/api/users", headers=bearer(alice_token))[0] == 200

    updates = audit(hub, root_token, action="user.update")
    assert [entry["resourceId"] for entry in updates] == [str(alice_id), str(alice_id)]
    assert updates[0]["details"]["changes"] == {"isAdmin": {"from": False, "to": True}}


def test_disabling_a_user_stops_their_tokens_and_logins_at_once(
        hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on")
    bob, bob_login = signed_up(hub, "bob")
    root, root_token = admin_token(hub)
    status, created = hub.request("POST", "/api/tokens", {"name": "ci"},
                                  headers=bearer(bob_login))
    assert status == 201
    api_token = created["token"]
    # both tokens work (and are now cached by the hub)
    status, me = hub.request("GET", "/api/auth/me", headers=bearer(bob_login))
    assert status == 200
    assert hub.request("GET", "/wd/hub/status", headers=basic(bob, api_token))[0] == 200

    status, body = hub.request("PATCH", f"/api/users/{me['user']['id']}", {"disabled": True},
                               headers=bearer(root_token))
    assert status == 200 and body["user"]["disabled"], body

    assert hub.request("GET", "/api/auth/me", headers=bearer(bob_login))[0] == 401
    assert hub.request("GET", "/wd/hub/status", headers=basic(bob, api_token))[0] == 401
    status, body = hub.request("POST", "/api/auth/login", {"email": bob, "password": PASSWORD})
    assert (status, body["error"]) == (403, "account_disabled")
    status, body = hub.request("POST", "/api/auth/login",
                               {"email": bob, "password": "not the password"})
    assert (status, body["error"]) == (401, "invalid_credentials")

    # an admin cannot lock themselves out
    status, root_me = hub.request("GET", "/api/auth/me", headers=bearer(root_token))
    status, body = hub.request("PATCH", f"/api/users/{root_me['user']['id']}",
                               {"disabled": True}, headers=bearer(root_token))
    assert (status, body["error"]) == (409, "self_lockout")

    status, body = hub.request("PATCH", f"/api/users/{me['user']['id']}", {"disabled": False},
                               headers=bearer(root_token))
    assert status == 200 and not body["user"]["disabled"]
    assert hub.request("GET", "/wd/hub/status", headers=basic(bob, api_token))[0] == 200
    assert hub.request("POST", "/api/auth/login",
                       {"email": bob, "password": PASSWORD})[0] == 200
    entries = audit(hub, root_token, action="user.update")
    assert [e["details"]["changes"] for e in entries] == [
        {"disabled": {"from": True, "to": False}},
        {"disabled": {"from": False, "to": True}}]
    assert entries[0]["userEmail"] == root
