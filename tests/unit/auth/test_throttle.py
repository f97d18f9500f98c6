"""Brute-force throttling by account and by address."""

from __future__ import annotations

from hub.auth.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_lock_the_account_for_fifteen_minutes() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    assert [throttle.failure("ann", "1.1.1.1") for _ in range(5)] == [False] * 4 + [True]
    assert throttle.locked_for("ann", "2.2.2.2") == 900
    assert throttle.locked_for("bob", "2.2.2.2") == 0
    clock.now += 899
    assert throttle.locked_for("ann", "3.3.3.3") == 1
    clock.now += 1
    assert throttle.locked_for("ann", "3.3.3.3") == 0


def test_failures_age_out_of_the_window() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for _ in range(4):
        throttle.failure("ann", "1.1.1.1")
    clock.now += 901
    assert throttle.failure("ann", "1.1.1.1") is False
    assert throttle.locked_for("ann", "1.1.1.1") == 0


def test_success_forgives_the_account_but_not_the_address() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock, address_limit=6)
    for _ in range(4):
        throttle.failure("ann", "1.1.1.1")
    throttle.success("ann")
    assert throttle.failure("ann", "1.1.1.1") is False
    assert throttle.failure("bob", "1.1.1.1") is True  # the sixth from this address
    assert throttle.locked_for("carol", "1.1.1.1") > 0
    assert throttle.locked_for("carol", "9.9.9.9") == 0


def test_one_address_trying_many_accounts_is_locked() -> None:
    throttle = Throttle(clock=Clock())
    for number in range(19):
        assert throttle.failure(f"user{number}", "6.6.6.6") is False
    assert throttle.failure("user19", "6.6.6.6") is True
    assert throttle.locked_for("fresh", "6.6.6.6") > 0
