"""Signing in and out of the dashboard: password, then the 2FA code when the account has it.

A successful sign-in sets the same HttpOnly, SameSite=Strict ``tggrid_token`` cookie as
``POST /api/auth/login``; the auth middleware reads it on every later request.
"""

from __future__ import annotations

from aiohttp import web

from hub.api.errors import http_status
from hub.auth.accounts import LOGIN_TOKEN_LIFETIME
from hub.auth.authenticator import COOKIE
from hub.auth.errors import AuthError, TwoFactorRequired
from hub.callers import TOKEN_HASH, caller_of
from hub.keys import ACCOUNTS, SETTINGS
from hub.ui import csrf
from hub.ui.render import auth_on, form_of, page, redirect, safe_next, viewer


def _signed_in(request: web.Request, token: str, next_url: str) -> web.HTTPFound:
    csrf.rotate(request)
    response = redirect(request, safe_next(next_url))
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.secure,
                        max_age=int(LOGIN_TOKEN_LIFETIME.total_seconds()))
    return response


NOTICES = {"password": "Your password was changed; sign in with the new one.",
           "registered": "Your account is ready; sign in."}


def _registration(request: web.Request) -> bool:
    return auth_on(request) and request.app[SETTINGS].allow_registration


def _login_page(request: web.Request, next_url: str, email: str = "", *,
                error: str | None = None, status: int = 200) -> web.Response:
    return page(request, "login.html", {
        "next": next_url, "email": email, "error": error, "sign_up": _registration(request),
        "notice": NOTICES.get(request.query.get("done", ""))}, status=status)


async def login_page(request: web.Request) -> web.Response:
    next_url = safe_next(request.query.get("next"))
    if not auth_on(request) or viewer(request) is not None:
        raise web.HTTPFound(next_url)
    return _login_page(request, next_url)


async def signup_page(request: web.Request) -> web.Response:
    if not _registration(request):
        raise web.HTTPNotFound(text="Sign-up is switched off on this hub; ask an admin for "
                                    "an account.")
    return page(request, "signup.html", {"email": "", "full_name": ""})


async def signup(request: web.Request) -> web.Response:
    if not _registration(request):
        raise web.HTTPNotFound(text="Sign-up is switched off on this hub.")
    form = await form_of(request)
    try:
        await request.app[ACCOUNTS].register(form.get("email", ""), form.get("password", ""),
                                             form.get("full_name", ""), caller_of(request))
    except AuthError as error:  # nothing was made: showing the form again acts on nothing
        return page(request, "signup.html", {
            "email": form.get("email", ""), "full_name": form.get("full_name", ""),
            "error": error.message}, status=http_status(error))
    raise redirect(request, "/ui/login?done=registered")


async def login(request: web.Request) -> web.Response:
    form = await form_of(request)
    email, password = form.get("email", ""), form.get("password", "")
    next_url = safe_next(form.get("next"))
    try:
        token, _, _ = await request.app[ACCOUNTS].login(
            email, password, None, caller_of(request), next_url=next_url,
            browser=csrf.token_for(request))
    except TwoFactorRequired as needed:
        return page(request, "login_2fa.html", {"ticket": needed.ticket})
    except AuthError as error:
        return _login_page(request, next_url, email, error=error.message,
                           status=http_status(error))
    raise _signed_in(request, token, next_url)


async def second_step(request: web.Request) -> web.Response:
    """The code, on any hub: the signed ticket from the first step says whose sign-in it is."""
    form = await form_of(request)
    accounts = request.app[ACCOUNTS]
    try:
        ticket = accounts.tickets.read(form.get("ticket", ""))
    except AuthError as error:
        return _login_page(request, "/ui/sessions", error=error.message,
                           status=http_status(error))
    try:
        token, _, _ = await accounts.login_with_ticket(
            ticket, form.get("code", "").strip(), caller_of(request),
            browser=csrf.token_for(request))
    except AuthError as error:
        if error.error_code == "invalid_two_factor_code":  # try again, same ticket
            return page(request, "login_2fa.html", {"ticket": form["ticket"],
                                                    "error": error.message},
                        status=http_status(error))
        return _login_page(request, ticket.next_url, ticket.email, error=error.message,
                           status=http_status(error))
    raise _signed_in(request, token, safe_next(ticket.next_url))


async def to_login(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ui/login")


async def logout(request: web.Request) -> web.Response:
    user = viewer(request)
    if user is not None and TOKEN_HASH in request:
        await request.app[ACCOUNTS].logout(user, request[TOKEN_HASH], caller_of(request))
    csrf.rotate(request)
    response = redirect(request, "/ui/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/login", login_page)
    app.router.add_post("/ui/login", login)
    app.router.add_post("/ui/login/2fa", second_step)
    app.router.add_post("/ui/logout", logout)
    app.router.add_get("/ui/signup", signup_page)
    app.router.add_post("/ui/signup", signup)
    for path in ("/ui/login/2fa", "/ui/logout"):  # a reload of the answer: the sign-in page
        app.router.add_get(path, to_login)
