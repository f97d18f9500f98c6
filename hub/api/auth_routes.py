"""/api/auth: register, login, logout, me, and two-factor enrolment."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.common import current_user, json_response, read_body, text_field
from hub.api.errors import Forbidden
from hub.auth.accounts import LOGIN_TOKEN_LIFETIME
from hub.auth.authenticator import COOKIE
from hub.callers import TOKEN_HASH, caller_of
from hub.keys import ACCOUNTS, SETTINGS


async def register(request: web.Request) -> web.Response:
    if not request.app[SETTINGS].allow_registration:
        raise Forbidden("registration is switched off; ask an admin for an account",
                        code="registration_disabled")
    body = await read_body(request)
    user = await request.app[ACCOUNTS].register(
        text_field(body, "email"), text_field(body, "password"),
        text_field(body, "fullName", required=False), caller_of(request))
    return json_response({"user": user.to_json()}, status=201)


async def login(request: web.Request) -> web.Response:
    body = await read_body(request)
    code = body.get("twoFactorCode")
    token, user, expires = await request.app[ACCOUNTS].login(
        text_field(body, "email"), text_field(body, "password"),
        str(code) if code not in (None, "") else None, caller_of(request))
    response = json_response({"token": token, "user": user.to_json(),
                              "expiresAt": expires.isoformat()})
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.secure,
                        max_age=int(LOGIN_TOKEN_LIFETIME.total_seconds()))
    return response


async def logout(request: web.Request) -> web.Response:
    user = current_user(request)
    await request.app[ACCOUNTS].logout(user, request[TOKEN_HASH], caller_of(request))
    response = json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


async def me(request: web.Request) -> web.Response:
    return json_response({"user": current_user(request).to_json()})


async def confirm_recent(request: web.Request, body: dict[str, Any]) -> None:
    """Password (and code) in the body, or a sign-in within ``reauth_window``."""
    code = body.get("code")
    await request.app[ACCOUNTS].confirm_recent(
        current_user(request), request.get(TOKEN_HASH), text_field(body, "password",
                                                                     required=False),
        str(code) if code not in (None, "") else "", caller_of(request),
        window=request.app[SETTINGS].reauth_window)


async def enable_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    await confirm_recent(request, await read_body(request))
    return json_response(await request.app[ACCOUNTS].enable_2fa(user, caller_of(request)))


async def verify_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_body(request)
    user = await request.app[ACCOUNTS].verify_2fa(user, text_field(body, "code"),
                                                  caller_of(request))
    return json_response({"user": user.to_json()})


async def disable_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_body(request)
    user = await request.app[ACCOUNTS].disable_2fa(
        user, text_field(body, "password"), text_field(body, "code"), caller_of(request))
    return json_response({"user": user.to_json()})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_post("/api/auth/register", register)
    router.add_post("/api/auth/login", login)
    router.add_post("/api/auth/logout", logout)
    router.add_get("/api/auth/me", me)
    router.add_post("/api/auth/2fa/enable", enable_2fa)
    router.add_post("/api/auth/2fa/verify", verify_2fa)
    router.add_post("/api/auth/2fa/disable", disable_2fa)
