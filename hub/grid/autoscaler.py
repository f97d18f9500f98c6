"""The autoscaler: grows the warm pool when the grid is busy, shrinks it when idle.

Every ``evaluation_interval`` it reads utilisation (active sessions / capacity of the nodes
in rotation; the thresholds are percentages of it, 0-100). At or above ``scaleUpThreshold``
the pool grows by 20 % of its size (at least one) up to ``maxPoolSize``; at or below
``scaleDownThreshold`` it shrinks by 20 % (at least one) down to ``minPoolSize``; between
two actions lies ``cooldownPeriod``. Pool sizes are per profile (each pooled browser on each
node), as the pool's ``target`` is. The clock is a parameter so tests can move time by hand.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
DECISIONS_KEPT = 100
STEP = 0.2


class InvalidScalingConfig(ValueError):
    """The auto-scaling configuration does not hold together; the message says why."""


@dataclasses.dataclass
class ScalingConfig:
    enabled: bool = False
    minPoolSize: int = 0
    maxPoolSize: int = 4
    scaleUpThreshold: float = 80.0
    scaleDownThreshold: float = 30.0
    cooldownPeriod: float = 300.0

    @classmethod
    def parse(cls, data: dict[str, Any], base: ScalingConfig | None = None) -> ScalingConfig:
        """Merge ``data`` over ``base`` and validate; unknown fields are refused."""
        values = dataclasses.asdict(base or cls())
        for key, value in data.items():
            if key not in values:
                raise InvalidScalingConfig(f"unknown field {key!r}")
            kind = type(values[key])
            if kind is bool and not isinstance(value, bool):
                raise InvalidScalingConfig(f"{key} must be true or false")
            if kind is not bool and (isinstance(value, bool)
                                     or not isinstance(value, int | float)):
                raise InvalidScalingConfig(f"{key} must be a number")
            if kind is int and value != int(value):
                raise InvalidScalingConfig(f"{key} must be a whole number")
            values[key] = kind(value)
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        if self.minPoolSize < 0:
            raise InvalidScalingConfig("minPoolSize must be 0 or more")
        if self.maxPoolSize < self.minPoolSize:
            raise InvalidScalingConfig("maxPoolSize must be at least minPoolSize")
        for name in ("scaleUpThreshold", "scaleDownThreshold"):
            if not 0 <= getattr(self, name) <= 100:
                raise InvalidScalingConfig(f"{name} must be a percentage, from 0 to 100")
        if self.scaleDownThreshold >= self.scaleUpThreshold:
            raise InvalidScalingConfig("scaleDownThreshold must be below scaleUpThreshold")
        if self.cooldownPeriod < 0:
            raise InvalidScalingConfig("cooldownPeriod must be 0 or more")


class Autoscaler:
    def __init__(
        self, config: ScalingConfig, *, utilisation: Callable[[], float],
        resize: Callable[[int], None], target: int,
        clock: Callable[[], float] = time.time, evaluation_interval: float = 60.0,
    ) -> None:
        self.config = config
        self._utilisation = utilisation
        self._resize = resize
        self.target = target
        self.clock = clock
        self.evaluation_interval = evaluation_interval
        self.decisions: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=DECISIONS_KEPT)
        self.actions: collections.Counter[str] = collections.Counter()
        self._last_action: float | None = None

    def reconfigure(self, config: ScalingConfig) -> None:
        """Apply new settings at once; the pool is brought inside the new bounds."""
        self.config = config
        bounded = min(max(self.target, config.minPoolSize), config.maxPoolSize)
        if bounded != self.target:
            self._set(bounded)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.evaluation_interval)
            if self.config.enabled:
                self.evaluate()

    def evaluate(self) -> dict[str, Any]:
        """Decide once, keep the decision with its reason, and act on it."""
        now = self.clock()
        used = self._utilisation()
        percent = used * 100
        config = self.config
        action, new, reason = "none", self.target, ""
        cooling = (self._last_action is not None
                   and now - self._last_action < config.cooldownPeriod)
        if percent >= config.scaleUpThreshold:
            if self.target >= config.maxPoolSize:
                reason = f"utilisation {used:.0%} is high but the pool is at its maximum"
            elif cooling:
                reason = f"utilisation {used:.0%} is high but the cooldown has not passed"
            else:
                action = "scale_up"
                new = min(config.maxPoolSize, self.target + max(1, round(self.target * STEP)))
                reason = f"utilisation {used:.0%} >= {config.scaleUpThreshold:g} %"
        elif percent <= config.scaleDownThreshold:
            if self.target <= config.minPoolSize:
                reason = f"utilisation {used:.0%} is low but the pool is at its minimum"
            elif cooling:
                reason = f"utilisation {used:.0%} is low but the cooldown has not passed"
            else:
                action = "scale_down"
                new = max(config.minPoolSize, self.target - max(1, round(self.target * STEP)))
                reason = f"utilisation {used:.0%} <= {config.scaleDownThreshold:g} %"
        else:
            reason = f"utilisation {used:.0%} is within thresholds"
        decision = {"time": now, "action": action, "reason": reason,
                    "utilisation": round(used, 4), "from": self.target, "to": new}
        if action != "none":
            self._last_action = now
            self.actions[action] += 1
            self._set(new)
        self.decisions.append(decision)
        log.info("autoscaler.decision action=%s from=%d to=%d reason=%r", action,
                 decision["from"], new, reason)
        return decision

    def _set(self, target: int) -> None:
        self.target = target
        self._resize(target)

    def status(self) -> dict[str, Any]:
        return {"config": dataclasses.asdict(self.config), "targetPoolSize": self.target,
                "utilisation": round(self._utilisation(), 4),
                "lastDecisions": list(self.decisions)[::-1],
                "actions": dict(self.actions)}
