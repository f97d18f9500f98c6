"""Scaling: relay nodes, the balancing algorithm, health checks, the warm pool, the autoscaler
(wired by ``setup.setup``)."""
