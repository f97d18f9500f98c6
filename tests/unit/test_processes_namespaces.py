"""reap_orphans judges a process's owner by pid only inside its own pid namespace: a host's
hub must not kill the drivers of a hub running in a container (the standalone image)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from hub import processes

DEAD_PID = 2**22 + 1  # above the default pid_max: never a live process


def orphan_env() -> dict[str, str]:
    return {**os.environ, processes.HUB_ID_ENV: "a-hub-that-is-gone",
            processes.HUB_PID_ENV: str(DEAD_PID)}


@pytest.mark.skipif(os.geteuid() != 0, reason="unshare --pid needs root (CI runs as root)")
def test_only_orphans_of_this_pid_namespace_are_reaped() -> None:
    here = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            env=orphan_env())
    elsewhere = subprocess.Popen(
        ["unshare", "--pid", "--fork", sys.executable, "-c", "import time; time.sleep(60)"],
        env=orphan_env())
    try:
        deadline = time.monotonic() + 10
        inner: list[psutil.Process] = []
        while not inner and time.monotonic() < deadline:
            inner = psutil.Process(elsewhere.pid).children()
            time.sleep(0.05)
        assert inner and processes.pid_namespace(inner[0].pid) != processes.pid_namespace()
        processes.reap_orphans("this-hub")
        here.wait(timeout=10)  # killed (and reaped by psutil): an orphan of a dead hub, here
        assert inner[0].is_running()  # its owner pid means nothing in this namespace
    finally:
        for process in (here, elsewhere):
            process.kill()
            process.wait()
        for child in inner:
            if child.is_running():
                child.kill()
