"""The auth middleware: puts the caller's user (or None) on ``request[USER]``.

With ``auth = on`` everything but the public paths (``app[PUBLIC_PATHS]``: health, login,
register, and what other packages add) needs valid credentials: /api answers 401
``{"error": "unauthorized"}``, the WebDriver surface a W3C ``unauthorized`` error, both with
``WWW-Authenticate: Basic``. With auth off, credentials are still read when given (sessions
get an owner) but nobody is turned away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.auth.authenticator import Credentials, read_credentials
from hub.auth.client import client_address
from hub.callers import CLIENT_IP, TOKEN_HASH, USER
from hub.keys import ACCESS_GRANTS, AUTH, PUBLIC_PATHS, SETTINGS

# How to answer a request without valid credentials: the app picks the response format
# (``hub.api.errors.refuse_unauthenticated``), so auth knows no surface's error language.
Refusal = Callable[[web.Request, str], web.StreamResponse]
REFUSE: web.AppKey[Refusal] = web.AppKey("refuse_unauthenticated")


def is_public(path: str, public: list[str]) -> bool:
    return any(path == entry or path.startswith(entry.rstrip("/") + "/") for entry in public)


@web.middleware
def authenticate(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Not a coroutine: a request with no credentials (auth off) or with a token verified
    within the cache's ttl, which is every WebDriver command, passes without an await."""
    auth = request.app[AUTH]
    if auth.trusted:  # else the client is the peer, where callers.caller_of looks anyway
        request[CLIENT_IP] = client_address(request, auth.trusted)
    request[USER] = None
    credentials = read_credentials(request)
    if credentials is None:
        if request.app[SETTINGS].auth != "on":
            return handler(request)
    else:
        found = auth.verified(credentials)
        if found is not None:
            request[USER], request[TOKEN_HASH] = found
            return handler(request)
    return _authenticate(request, handler, credentials)


async def _authenticate(request: web.Request, handler: Handler,
                        credentials: Credentials | None) -> web.StreamResponse:
    found = await request.app[AUTH].authenticate(credentials) if credentials else None
    if found is not None:
        request[USER], request[TOKEN_HASH] = found
    elif request.app[SETTINGS].auth == "on" and not is_public(
            request.path, request.app[PUBLIC_PATHS]) and not any(
            grant(request) for grant in request.app.get(ACCESS_GRANTS, ())):
        message = ("invalid, revoked or expired credentials" if credentials else
                   "authentication required: send an API token as HTTP Basic password "
                   "(user = email) or as Authorization: Bearer")
        return request.app[REFUSE](request, message)
    return await handler(request)
