"""Prometheus metrics, in a registry of the app's own (no module-level state).

Latencies are histograms observed as events happen; everything else is read from the grid's
state when Prometheus scrapes.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from hub.grid.distributor import Distributor
from hub.grid.session import Session

START_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
COMMAND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0)


class GridCollector(Collector):
    """Gauges and counters read from the grid at scrape time."""

    def __init__(self, distributor: Distributor, extras: Callable[[], dict[str, Any]]) -> None:
        self.distributor = distributor
        self.extras = extras

    def collect(self) -> Iterator[Metric]:
        distributor = self.distributor
        sessions = distributor.sessions()
        yield GaugeMetricFamily("tggrid_sessions_active", "Sessions running now.",
                                value=len(sessions))
        yield GaugeMetricFamily("tggrid_sessions_queued", "New-session requests waiting.",
                                value=distributor.queued)
        capacity = GaugeMetricFamily("tggrid_node_capacity", "Sessions a node can run at once.",
                                     labels=["node", "kind"])
        used = GaugeMetricFamily("tggrid_node_sessions", "Sessions running on a node.",
                                 labels=["node", "kind"])
        up = GaugeMetricFamily("tggrid_node_up", "1 when the node is in rotation.",
                               labels=["node", "kind", "availability"])
        for slots in distributor.nodes.values():
            labels = [slots.id, slots.node.kind]
            capacity.add_metric(labels, slots.node.max_sessions)
            used.add_metric(labels, slots.busy)
            up.add_metric([*labels, slots.availability], 1 if slots.availability == "UP" else 0)
        yield capacity
        yield used
        yield up
        yield GaugeMetricFamily("tggrid_recordings_active", "Sessions being recorded now.",
                                value=sum(1 for s in sessions if s.node_session.recorded))
        extras = self.extras()
        if "pool_size" in extras:
            yield GaugeMetricFamily("tggrid_pool_size", "Started, never-used browsers waiting.",
                                    value=extras["pool_size"])
            yield GaugeMetricFamily("tggrid_pool_target", "Browsers the warm pool aims to keep "
                                    "(its per-profile target times its profiles).",
                                    value=extras["pool_target"])
            waiting = GaugeMetricFamily("tggrid_pool_idle", "Started, never-used browsers "
                                        "waiting, per profile.", labels=["node", "browser"])
            for (node, browser), size in extras["pool_profiles"].items():
                waiting.add_metric([node, browser], size)
            yield waiting
        if "autoscaler_actions" in extras:
            actions = CounterMetricFamily("tggrid_autoscaler_actions",
                                          "Autoscaler decisions that resized the pool.",
                                          labels=["action"])
            for action in ("scale_up", "scale_down"):
                actions.add_metric([action], extras["autoscaler_actions"].get(action, 0))
            yield actions


class CommandLatency(Collector):
    """``tggrid_command_seconds``, exposed as prometheus-client's Histogram exposes it, but
    observed with a bisect and two additions instead of two locked counters: it is observed
    once per proxied command, always on the event loop's thread, as scrapes are."""

    name = "tggrid_command_seconds"
    documentation = "Time a proxied WebDriver command took at the node."

    def __init__(self, buckets: tuple[float, ...] = COMMAND_BUCKETS) -> None:
        self.bounds = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0
        self.created = time.time()

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.total += seconds

    def collect(self) -> Iterator[Metric]:
        cumulative, buckets = 0, []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            cumulative += count
            buckets.append((floatToGoString(bound), cumulative))
        family = HistogramMetricFamily(self.name, self.documentation, buckets=buckets,
                                       sum_value=self.total)
        family.add_sample(f"{self.name}_created", {}, self.created)
        yield family


class Metrics:
    def __init__(self, distributor: Distributor,
                 extras: Callable[[], dict[str, Any]] = dict) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(GridCollector(distributor, extras))
        self.session_start = Histogram(
            "tggrid_session_start_seconds", "Time from a request leaving the queue to its "
            "session being ready.", ["source"], buckets=START_BUCKETS, registry=self.registry)
        self.command = CommandLatency()
        self.registry.register(self.command)
        self._starts = {source: self.session_start.labels(source)
                        for source in ("pool", "cold")}

    def observe_start(self, session: Session, seconds: float, pooled: bool) -> None:
        self._starts["pool" if pooled else "cold"].observe(seconds)
