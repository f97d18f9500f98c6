"""What a hub leaves when it dies without cleaning up (SIGKILL, the OOM killer): killed at once.

The hub's own children die with it (``PR_SET_PDEATHSIG``, :mod:`hub.processes`), but a
browser is its driver's child and would live on, holding memory and a slot's worth of CPU,
until the next hub starts and reaps it. The sentinel is a small process of its own holding the
read end of a pipe from the hub; the kernel closes the pipe when the hub dies, however it
dies. The sentinel then waits for the hub's process to be gone (a clean shutdown stops it
first) and kills every process marked with the hub's id and pid.

    python -m hub.sentinel <hub id>      (started by the hub, stdin a pipe from it)
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time

import psutil

from hub import processes

GONE_POLL = 0.1

log = logging.getLogger("hub.sentinel")


def _hub_gone(hub: psutil.Process) -> bool:
    try:
        return not hub.is_running() or hub.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m hub.sentinel <hub id>", file=sys.stderr)
        return 2
    hub_id = argv[1]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the hub's to handle
    hub = psutil.Process(os.getppid())
    while os.read(0, 4096):  # nothing is ever written: this returns b"" when the hub is gone
        pass
    while not _hub_gone(hub):
        time.sleep(GONE_POLL)
    killed = processes.reap_hub(hub_id, hub.pid)
    if killed:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                            "%(message)s")
        log.warning("sentinel.reaped hub=%s pid=%d processes=%d", hub_id, hub.pid, killed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
