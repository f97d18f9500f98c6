"""From a request's credentials to a user, cheaply enough for every WebDriver command.

Credentials: ``Authorization: Bearer <token>``, HTTP Basic (user = email, password = token,
as in ``http://me@example.com:<token>@hub:4444/wd/hub``), the dashboard's cookie, or (on a
websocket handshake only, for clients that cannot set headers) a ``token`` query parameter.
A verified token is cached for ``ttl`` seconds so the command path does no database I/O;
revoking through this hub forgets it at once, other hubs within ``ttl``.
"""

from __future__ import annotations

import base64
import dataclasses
import time
import urllib.parse

from aiohttp import hdrs, web

from hub.auth.client import Network
from hub.auth.tokens import token_hash
from hub.db import users
from hub.db.engine import Database
from hub.db.models import utcnow
from hub.db.users import TokenInfo, UserInfo
from hub.untrusted import header_text

COOKIE = "tggrid_token"
CACHE_TTL = 30.0


@dataclasses.dataclass(frozen=True)
class Credentials:
    token: str
    email: str | None = None


def read_credentials(request: web.Request) -> Credentials | None:
    """Runs for every request: headers that are absent cost one lookup each."""
    headers = request.headers
    authorization = headers.get(hdrs.AUTHORIZATION)
    if authorization:
        scheme, _, value = header_text(authorization).partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and value.strip():
            return Credentials(value.strip())
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):  # binascii.Error, or not ASCII
                return None
            email, sep, token = decoded.partition(":")
            # Clients copy the user from a URL as written: http://me%40example.org:TOKEN@hub
            return Credentials(token, urllib.parse.unquote(email)) if sep and token else None
    if hdrs.COOKIE in headers:
        cookie = request.cookies.get(COOKIE)
        if cookie:
            return Credentials(header_text(cookie))
    if (hdrs.UPGRADE in headers and headers[hdrs.UPGRADE].lower() == "websocket"
            and request.query.get("token")):
        return Credentials(header_text(request.query["token"]))
    return None


class Authenticator:
    def __init__(self, db: Database, trusted: list[Network] | None = None,
                 ttl: float = CACHE_TTL) -> None:
        self.db = db
        self.trusted = trusted or []
        self.ttl = ttl
        self._cache: dict[str, tuple[UserInfo, TokenInfo, float]] = {}

    async def authenticate(self, credentials: Credentials) -> tuple[UserInfo, str] | None:
        """The user and the token's hash, or None for a bad, revoked or expired token."""
        digest = token_hash(credentials.token)
        found = self._fresh(digest)
        if found is None:
            found = await users.user_for_token(self.db, digest)
            if found is None:
                self._cache.pop(digest, None)
                return None
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (*found, time.monotonic())
        user, token = found
        return self._accept(credentials, digest, user, token)

    def verified(self, credentials: Credentials) -> tuple[UserInfo, str] | None:
        """What ``authenticate`` answers for a token verified within ``ttl``, without awaiting;
        None when it is not cached or not valid (ask ``authenticate``)."""
        digest = token_hash(credentials.token)
        found = self._fresh(digest)
        if found is None:
            return None
        user, token = found
        return self._accept(credentials, digest, user, token)

    def _fresh(self, digest: str) -> tuple[UserInfo, TokenInfo] | None:
        cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[2] < self.ttl:
            return cached[0], cached[1]
        return None

    def _accept(self, credentials: Credentials, digest: str, user: UserInfo,
                token: TokenInfo) -> tuple[UserInfo, str] | None:
        if token.expires_at is not None and token.expires_at <= utcnow():
            self._cache.pop(digest, None)
            return None
        if credentials.email is not None and users.normalize_email(credentials.email) != user.email:
            return None
        return user, digest

    def forget(self, digest: str) -> None:
        self._cache.pop(digest, None)

    def forget_user(self, user_id: int) -> None:
        for digest, (user, _, _) in list(self._cache.items()):
            if user.id == user_id:
                del self._cache[digest]
