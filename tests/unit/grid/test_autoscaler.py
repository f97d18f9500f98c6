"""The autoscaler's decisions, with a clock the test moves by hand."""

from __future__ import annotations

import pytest

from hub.grid.autoscaler import Autoscaler, InvalidScalingConfig, ScalingConfig


class Clock:
    """A controllable clock: ``now`` only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(target: int = 5, **config: object) -> tuple[Autoscaler, Clock, list[float], list[int]]:
    clock, used, sizes = Clock(), [0.5], []
    scaler = Autoscaler(ScalingConfig.parse({"enabled": True, "minPoolSize": 1,
                                             "maxPoolSize": 10, **config}),
                        utilisation=lambda: used[0], resize=sizes.append, target=target,
                        clock=clock)
    return scaler, clock, used, sizes


def test_grows_by_a_fifth_at_high_utilisation() -> None:
    scaler, _, used, sizes = make(target=5)
    used[0] = 0.8
    decision = scaler.evaluate()
    assert (decision["action"], decision["from"], decision["to"]) == ("scale_up", 5, 6)
    assert sizes == [6] and scaler.target == 6


def test_grows_by_at_least_one_from_an_empty_pool() -> None:
    scaler, _, used, _sizes = make(target=0, minPoolSize=0)
    used[0] = 1.0
    assert scaler.evaluate()["to"] == 1


def test_shrinks_at_low_utilisation_down_to_the_minimum() -> None:
    scaler, clock, used, sizes = make(target=2, cooldownPeriod=0)
    used[0] = 0.1
    assert scaler.evaluate()["to"] == 1
    clock.now += 1
    decision = scaler.evaluate()
    assert decision["action"] == "none" and "minimum" in decision["reason"]
    assert sizes == [1]


def test_never_grows_past_the_maximum() -> None:
    scaler, _, used, sizes = make(target=10)
    used[0] = 0.95
    decision = scaler.evaluate()
    assert decision["action"] == "none" and "maximum" in decision["reason"]
    assert sizes == []


def test_waits_out_the_cooldown_between_actions() -> None:
    scaler, clock, used, sizes = make(target=5, cooldownPeriod=300)
    used[0] = 0.9
    scaler.evaluate()
    clock.now += 299
    held = scaler.evaluate()
    assert held["action"] == "none" and "cooldown" in held["reason"]
    clock.now += 1
    assert scaler.evaluate()["action"] == "scale_up"
    assert sizes == [6, 7]
    assert scaler.actions["scale_up"] == 2


def test_holds_between_thresholds_and_keeps_the_last_hundred_decisions() -> None:
    scaler, clock, used, sizes = make(target=5)
    used[0] = 0.5
    for _ in range(120):
        clock.now += 60
        scaler.evaluate()
    status = scaler.status()
    assert len(status["lastDecisions"]) == 100
    assert {d["action"] for d in status["lastDecisions"]} == {"none"}
    assert status["lastDecisions"][0]["time"] == clock.now  # newest first
    assert sizes == []


def test_reconfiguring_brings_the_pool_inside_new_bounds() -> None:
    scaler, _, _, sizes = make(target=5)
    scaler.reconfigure(ScalingConfig.parse({"maxPoolSize": 3}, scaler.config))
    assert scaler.target == 3 and sizes == [3]


@pytest.mark.parametrize("change", [
    {"minPoolSize": -1}, {"minPoolSize": 5, "maxPoolSize": 4}, {"scaleUpThreshold": 150},
    {"scaleDownThreshold": 90}, {"scaleDownThreshold": -1}, {"cooldownPeriod": -1},
    {"enabled": "yes"},
    {"maxPoolSize": "8"}, {"maxPoolSize": 2.5}, {"surprise": 1},
])
def test_invalid_configuration_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidScalingConfig):
        ScalingConfig.parse(change)
