"""The reaper: ends sessions nobody has talked to for longer than their idle timeout."""

from __future__ import annotations

import logging

from hub.background import every
from hub.ending import EndCause
from hub.grid.distributor import Distributor

log = logging.getLogger(__name__)


def idle_reason(timeout: float) -> str:
    return f"it timed out after {timeout:g} s without a command"


async def reap_idle(distributor: Distributor) -> int:
    """One sweep; returns how many sessions were ended."""
    expired = [s for s in distributor.sessions() if s.idle_for() >= s.idle_timeout]
    for session in expired:
        log.info("session.timeout id=%s idle=%.1f", session.id, session.idle_for())
        await distributor.end_session(session, idle_reason(session.idle_timeout),
                                      cause=EndCause.TIMEOUT)
    return len(expired)


async def run_reaper(distributor: Distributor, interval: float) -> None:
    await every(interval, lambda: reap_idle(distributor), "reaper.failed")
