"""Which containers a hub may take for orphans: pid liveness only within its pid namespace."""

from __future__ import annotations

import os
import socket

from hub.nodes import docker_engines as engines
from hub.processes import pid_namespace


def labels(pid: int, namespace: str | None) -> dict[str, str]:
    found = {engines.HUB_PID_LABEL: str(pid), engines.HUB_HOST_LABEL: socket.gethostname()}
    if namespace is not None:
        found[engines.HUB_PIDNS_LABEL] = namespace
    return found


def test_labels_carry_this_pid_namespace() -> None:
    mine = engines.hub_labels("h1")
    assert mine[engines.HUB_PIDNS_LABEL] == str(os.stat("/proc/self/ns/pid").st_ino) != ""


def test_a_dead_pid_in_this_namespace_is_dead() -> None:
    dead = 2**22 + 1  # above pid_max's default: never a live process
    assert engines.hub_alive(labels(dead, pid_namespace()), 0.0) is False
    assert engines.hub_alive(labels(dead, None), 0.0) is False  # labelled before namespaces


def test_a_pid_of_another_namespace_is_unknown_not_dead() -> None:
    """A hub in a container (same host name with --network host) is never reaped by pid."""
    assert engines.hub_alive(labels(2**22 + 1, "4026531999"), 0.0) is None
