"""What the audit log page shows of an entry's details."""

from __future__ import annotations

from hub.ui.history import describe


def test_a_failed_sign_in_shows_its_reason() -> None:
    assert describe({"email": "a@example.com", "reason": "bad_password"}) == [
        ("email", "a@example.com"), ("reason", "bad_password")]


def test_a_changed_role_shows_old_and_new() -> None:
    details = {"email": "a@example.com",
               "changes": {"isAdmin": {"from": False, "to": True}}}
    assert describe(details) == [("email", "a@example.com"), ("isAdmin", "false → true")]


def test_a_setting_shows_only_what_changed() -> None:
    details = {"from": {"enabled": False, "maxPoolSize": 5},
               "to": {"enabled": False, "maxPoolSize": 8}}
    assert describe(details) == [("maxPoolSize", "5 → 8")]
    assert describe({"from": "round-robin", "to": "least-connections"}) == [
        ("changed", "round-robin → least-connections")]


def test_empty_values_are_left_out() -> None:
    assert describe({"name": None, "node": "", "reason": "quit"}) == [("reason", "quit")]
