"""CSRF protection by double submit: a random value in a cookie that forms and scripts repeat.

A cross-site page can make the browser send the cookie (where SameSite does not stop it) but
cannot read it, so it cannot put the same value in the form field or header. Checked on every
unsafe /ui request, and on /api requests that are authenticated by the dashboard's cookie
(scripts send ``X-CSRF-Token``); requests with an Authorization header carry their own proof.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.api.errors import api_error_response
from hub.auth.authenticator import COOKIE as SESSION_COOKIE

COOKIE = "tggrid_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def token_for(request: web.Request) -> str:
    """This browser's token: the cookie's value, or a new one that the response will set."""
    if "csrf" not in request:
        request["csrf"] = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    return str(request["csrf"])


def rotate(request: web.Request) -> str:
    """A fresh token (at sign-in), so a value planted before it is worth nothing after."""
    request["csrf"] = secrets.token_urlsafe(32)
    return str(request["csrf"])


def set_cookie(request: web.Request, response: web.StreamResponse) -> None:
    token = request.get("csrf")
    if token and request.cookies.get(COOKIE) != token:
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                            secure=request.secure)


def guarded(request: web.Request) -> bool:
    if request.method not in UNSAFE:
        return False
    if request.path == "/ui" or request.path.startswith("/ui/"):
        return True
    return (request.path.startswith("/api/") and SESSION_COOKIE in request.cookies
            and "Authorization" not in request.headers)


async def sent_token(request: web.Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.content_type in FORMS:
        value = (await request.post()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
def protect(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Not a coroutine: unguarded requests (every WebDriver command) pass with no extra frame."""
    if guarded(request):
        return _check(request, handler)
    return handler(request)


async def _check(request: web.Request, handler: Handler) -> web.StreamResponse:
    expected = request.cookies.get(COOKIE, "")
    sent = await sent_token(request)
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        message = ("the form's CSRF token is missing or does not match; reload the page "
                   "and try again")
        if request.path.startswith("/api/"):
            return api_error_response(403, "csrf_failed", message)
        raise web.HTTPForbidden(text=message)  # a styled page (hub.ui.errors)
    return await handler(request)
