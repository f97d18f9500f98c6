"""Signed, expiring view links: watch or download one session's screen without a token.

CI reports link to a video long after the job's token is gone, so a link carries its own
proof: ``?exp=<unix seconds>&sig=<HMAC-SHA256(key, "<session id>:<exp>")>``. One signature
covers the session's VNC socket, video and viewer page; nothing else. The key is derived from
the hub's secret (``secret_key`` or ``<data_dir>/secret.key``), so links survive a restart
and work on every hub that shares the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

PURPOSE = b"tggrid view links"


class LinkSigner:
    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, PURPOSE, hashlib.sha256).digest()

    def signature(self, session_id: str, expires: int) -> str:
        message = f"{session_id}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def query(self, session_id: str, ttl: float, now: float | None = None) -> dict[str, str]:
        """The query parameters that open this session's views for ``ttl`` seconds."""
        expires = int((time.time() if now is None else now) + ttl)
        return {"exp": str(expires), "sig": self.signature(session_id, expires)}

    def verify(
        self, session_id: str, query: Mapping[str, str], now: float | None = None
    ) -> bool:
        """True for an unexpired link signed for exactly this session."""
        sig, exp = query.get("sig", ""), query.get("exp", "")
        if not sig or not exp.isdigit():
            return False
        if int(exp) < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(sig, self.signature(session_id, int(exp)))
