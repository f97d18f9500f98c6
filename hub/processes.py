"""Child processes that always die: spawned marked, killed as a whole tree, reaped after a crash.

Every process a node starts carries ``TGGRID_HUB_ID``, ``TGGRID_HUB_PID`` and
``TGGRID_SESSION`` in its environment. Browsers inherit them, so a session's whole tree can be
found even when a helper process was re-parented to init, and a hub that starts after a crash
kills whatever a dead hub left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

import psutil

log = logging.getLogger(__name__)

HUB_ID_ENV = "TGGRID_HUB_ID"
HUB_PID_ENV = "TGGRID_HUB_PID"
SESSION_ENV = "TGGRID_SESSION"
_PR_SET_PDEATHSIG = 1
SENTINEL_ENV = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "TZ")


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it if the hub dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _as_user(user: tuple[int, int]) -> Callable[[], None]:
    """Before exec: drop to ``user`` (uvloop's subprocess takes no user=), then the death
    signal, which a change of credentials would clear."""
    def drop() -> None:
        os.setgroups([])
        os.setgid(user[1])
        os.setuid(user[0])
        _die_with_parent()
    return drop


async def spawn(
    argv: Sequence[str], *, hub_id: str, session_tag: str, env: dict[str, str] | None = None,
    log_path: str | None = None, cwd: str | None = None, user: tuple[int, int] | None = None,
    stdin: int = asyncio.subprocess.DEVNULL,
) -> asyncio.subprocess.Process:
    """Start a marked child in its own process group, output to ``log_path``; as ``user``
    (uid, gid) when given; ``stdin=asyncio.subprocess.PIPE`` to feed it."""
    child_env = {**os.environ, **(env or {}), HUB_ID_ENV: hub_id, HUB_PID_ENV: str(os.getpid()),
                 SESSION_ENV: session_tag}
    output = _open_log(log_path) if log_path else asyncio.subprocess.DEVNULL
    try:
        return await asyncio.create_subprocess_exec(
            *argv, env=child_env, cwd=cwd, stdin=stdin,
            stdout=output, stderr=output, start_new_session=True,
            preexec_fn=_as_user(user) if user else _die_with_parent,
        )
    finally:
        if log_path:
            output.close()  # type: ignore[union-attr]


def _open_log(path: str) -> IO[bytes]:
    return open(path, "ab")


def _marked(process: psutil.Process, key: str, value: str) -> bool:
    try:
        return process.environ().get(key) == value
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return False


def find_tagged(session_tag: str) -> list[psutil.Process]:
    """Every live process carrying this session's tag."""
    return [p for p in psutil.process_iter() if _marked(p, SESSION_ENV, session_tag)]


def kill_processes(
    processes: Iterable[psutil.Process], grace: float = 2.0, *, not_ours: int | None = None
) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL what is left.

    ``not_ours`` is a direct child that asyncio reaps: it is signalled but never waited for
    here, or its exit status would be stolen from the event loop's child watcher.
    """
    alive = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
            alive.append(process)
    waitable = [p for p in alive if p.pid != not_ours]
    _, still_alive = psutil.wait_procs(waitable, timeout=grace)
    for process in [*still_alive, *(p for p in alive if p.pid == not_ours)]:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(still_alive, timeout=grace)


def kill_tree(pid: int | None, session_tag: str, grace: float = 2.0) -> None:
    """Kill the child ``pid``, its descendants, its process group and anything with the tag.

    ``pid`` must be a direct child started by :func:`spawn`; the caller awaits its exit.
    """
    victims: dict[int, psutil.Process] = {}
    if pid is not None:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            victims[root.pid] = root
            for child in root.children(recursive=True):
                victims[child.pid] = child
    for process in find_tagged(session_tag):
        victims.setdefault(process.pid, process)
    victims.pop(os.getpid(), None)
    kill_processes(victims.values(), grace, not_ours=pid)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def pid_namespace(pid: int | str = "self") -> str:
    """The pid namespace (its inode) of a process, "" where /proc does not say."""
    try:
        return str(os.stat(f"/proc/{pid}/ns/pid").st_ino)
    except OSError:
        return ""


def _marked_here() -> Iterator[tuple[psutil.Process, str, str]]:
    """(process, hub id, hub pid) of each process a hub started, this one aside, in this pid
    namespace only: a host sees the processes of its containers (a hub in the standalone
    image, say), whose hub pid names a process in the container, not here."""
    own_namespace = pid_namespace()
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        try:
            environ = process.environ()
        except (psutil.Error, OSError):
            continue
        owner = environ.get(HUB_ID_ENV)
        if owner and pid_namespace(process.pid) == own_namespace:
            yield process, owner, environ.get(HUB_PID_ENV, "")


def reap_orphans(hub_id: str) -> int:
    """Kill processes left by hubs that are no longer alive; returns how many were killed."""
    orphans = [process for process, owner, owner_pid in _marked_here()
               if owner != hub_id
               and not (owner_pid.isdigit() and _hub_alive(int(owner_pid), owner))]
    if orphans:
        log.warning("orphans.reaped count=%d", len(orphans))
        kill_processes(orphans, grace=1.0)
    return len(orphans)


def reap_hub(hub_id: str, hub_pid: int) -> int:
    """Kill what the hub ``hub_id`` running as ``hub_pid`` started (:mod:`hub.sentinel`, once
    that hub is gone); returns how many were killed."""
    left = [process for process, owner, owner_pid in _marked_here()
            if owner == hub_id and owner_pid == str(hub_pid)]
    kill_processes(left, grace=1.0)
    return len(left)


async def start_sentinel(hub_id: str) -> asyncio.subprocess.Process:
    """:mod:`hub.sentinel` for this hub: its own session and no death signal, so it outlives
    a hub killed outright; it writes to the hub's own output. Stop it with
    :func:`stop_sentinel` on a clean shutdown."""
    # what Python needs to find the hub, nothing else of the hub's (its secrets stay there)
    env = {name: os.environ[name] for name in SENTINEL_ENV if name in os.environ}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.sentinel", hub_id, stdin=asyncio.subprocess.PIPE,
        env=env, start_new_session=True)


async def stop_sentinel(sentinel: asyncio.subprocess.Process) -> None:
    """A clean shutdown stopped everything itself: the sentinel has nothing left to do."""
    with contextlib.suppress(ProcessLookupError):
        sentinel.terminate()
    await sentinel.wait()


def _hub_alive(pid: int, hub_id: str) -> bool:
    """A hub is alive when its pid exists and is not itself one of its marked children."""
    try:
        process = psutil.Process(pid)
        return process.is_running() and process.environ().get(HUB_ID_ENV) != hub_id
    except (psutil.Error, OSError):
        return False
