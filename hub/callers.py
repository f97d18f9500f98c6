"""Who is on the other end of a request: its address and user agent, for the audit log and
per-address throttling. Kept apart from auth so the grid can carry it without depending on
auth (with auth off there is still an address to record)."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from hub.untrusted import header_text


@dataclasses.dataclass(frozen=True)
class Caller:
    ip: str = ""
    user_agent: str = ""


def caller_of(request: web.Request) -> Caller:
    """The client address the auth middleware resolved (trusted proxies honoured), else the
    peer address."""
    return Caller(ip=request.get("client_ip") or request.remote or "",
                  user_agent=header_text(request.headers.get("User-Agent", "")))
