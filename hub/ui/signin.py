"""Signing in and out of the dashboard: password, then the 2FA code when the account has it.

A successful sign-in sets the same HttpOnly, SameSite=Strict ``tggrid_token`` cookie as
``POST /api/auth/login``; the auth middleware reads it on every later request.
"""

from __future__ import annotations

from aiohttp import web

from hub.api.common import caller
from hub.api.errors import ApiError
from hub.auth.accounts import LOGIN_TOKEN_LIFETIME
from hub.auth.authenticator import COOKIE
from hub.keys import ACCOUNTS, UI_SIGNINS
from hub.ui import csrf
from hub.ui.render import auth_on, page, redirect, safe_next, viewer


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _signed_in(request: web.Request, token: str, next_url: str) -> web.HTTPFound:
    csrf.rotate(request)
    response = redirect(request, safe_next(next_url))
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.secure,
                        max_age=int(LOGIN_TOKEN_LIFETIME.total_seconds()))
    return response


async def login_page(request: web.Request) -> web.Response:
    next_url = safe_next(request.query.get("next"))
    if not auth_on(request) or viewer(request) is not None:
        raise web.HTTPFound(next_url)
    return page(request, "login.html", {"next": next_url, "email": ""})


async def login(request: web.Request) -> web.Response:
    form = await _form(request)
    email, password = form.get("email", ""), form.get("password", "")
    next_url = safe_next(form.get("next"))
    try:
        token, _, _ = await request.app[ACCOUNTS].login(email, password, None, caller(request))
    except ApiError as error:
        if error.error_code == "two_factor_required":
            pending = request.app[UI_SIGNINS].add(email, password, next_url)
            return page(request, "login_2fa.html", {"pending": pending})
        return page(request, "login.html", {"next": next_url, "email": email,
                                            "error": error.message},
                    status=error.http_status)
    raise _signed_in(request, token, next_url)


async def second_step(request: web.Request) -> web.Response:
    form = await _form(request)
    key = form.get("pending", "")
    signins = request.app[UI_SIGNINS]
    entry = signins.get(key)
    if entry is None:
        return page(request, "login.html", {"next": "/ui/sessions", "email": "",
                                            "error": "the sign-in took too long; start again"},
                    status=401)
    try:
        token, _, _ = await request.app[ACCOUNTS].login(
            entry.email, entry.password, form.get("code", "").strip(), caller(request))
    except ApiError as error:
        signins.failed(key)
        if signins.get(key) is None:
            return page(request, "login.html", {"next": entry.next_url, "email": entry.email,
                                                "error": error.message},
                        status=error.http_status)
        return page(request, "login_2fa.html", {"pending": key, "error": error.message},
                    status=error.http_status)
    signins.done(key)
    raise _signed_in(request, token, entry.next_url)


async def logout(request: web.Request) -> web.Response:
    user = viewer(request)
    if user is not None and "token_hash" in request:
        await request.app[ACCOUNTS].logout(user, request["token_hash"], caller(request))
    csrf.rotate(request)
    response = redirect(request, "/ui/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/login", login_page)
    app.router.add_post("/ui/login", login)
    app.router.add_post("/ui/login/2fa", second_step)
    app.router.add_post("/ui/logout", logout)
