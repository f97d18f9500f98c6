"""Who is on the other end of a request: its address and user agent, for the audit log and
per-address throttling. Kept apart from auth so the grid can carry it without depending on
auth (with auth off there is still an address to record)."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from aiohttp import web


class Owner(Protocol):
    """The user a session belongs to (``hub.db.users.UserInfo``), as far as the grid, the
    database listeners and the media routes need to know it."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...


@dataclasses.dataclass(frozen=True)
class Caller:
    ip: str = ""
    user_agent: str = ""


def caller_of(request: web.Request) -> Caller:
    """The client address the auth middleware resolved (trusted proxies honoured), else the
    peer address."""
    return Caller(ip=request.get("client_ip") or request.remote or "",
                  user_agent=request.headers.get("User-Agent", ""))
