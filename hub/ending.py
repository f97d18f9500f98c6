"""How a session ended, as the grid records it on the session for its listeners (the
database's session rows and audit entries), so none of them reads it from message text."""

from __future__ import annotations

import enum


class EndCause(enum.StrEnum):
    CLOSED = "closed"  # a client or an operator ended it, or the hub stopped
    TIMEOUT = "timeout"  # nobody sent a command for longer than its idle timeout
    FAILED = "failed"  # its browser, driver or node died, or the hub fenced itself
