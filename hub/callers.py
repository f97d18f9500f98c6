"""Who is on the other end of a request: its address and user agent, for the audit log and
per-address throttling. Kept apart from auth so the grid can carry it without depending on
auth (with auth off there is still an address to record)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from hub.untrusted import header_text

if TYPE_CHECKING:
    from hub.db.users import UserInfo


class Owner(Protocol):
    """The user a session belongs to (``hub.db.users.UserInfo``), as far as the grid, the
    database listeners and the media routes need to know it."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...


# What the auth middleware puts on each request: the signed-in user (None when nobody is),
# the hash of the token it signed in with, and the client address trusted proxies vouched for.
USER: web.RequestKey[UserInfo | None] = web.RequestKey("user")
TOKEN_HASH: web.RequestKey[str] = web.RequestKey("token_hash")
CLIENT_IP: web.RequestKey[str] = web.RequestKey("client_ip")


@dataclasses.dataclass(frozen=True)
class Caller:
    ip: str = ""
    user_agent: str = ""


def caller_of(request: web.Request) -> Caller:
    """The client address the auth middleware resolved (trusted proxies honoured), else the
    peer address."""
    return Caller(ip=request.get(CLIENT_IP) or request.remote or "",
                  user_agent=header_text(request.headers.get("User-Agent", "")))
