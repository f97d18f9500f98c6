"""/api/auth: register, login, logout, me, and two-factor enrolment."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import current_user, json_response, read_body, text_field
from hub.api.contract import Answer, operation
from hub.api.errors import Forbidden
from hub.auth.accounts import LOGIN_TOKEN_LIFETIME
from hub.auth.authenticator import COOKIE
from hub.callers import TOKEN_HASH, caller_of
from hub.keys import ACCOUNTS, SETTINGS


@operation("Create an account", tag="accounts", public=True, body=s.Register, answers={
    201: Answer("the new account", s.UserReply),
    400: Answer("not an email address, or a weak password", s.Error),
    403: Answer("registration is switched off", s.Error),
    409: Answer("the email has an account already", s.Error)})
async def register(request: web.Request) -> web.Response:
    if not request.app[SETTINGS].allow_registration:
        raise Forbidden("registration is switched off; ask an admin for an account",
                        code="registration_disabled")
    body = await read_body(request)
    user = await request.app[ACCOUNTS].register(
        text_field(body, "email"), text_field(body, "password"),
        text_field(body, "fullName", required=False), caller_of(request))
    return json_response({"user": user.to_json()}, status=201)


@operation("Sign in: a bearer token (also set as a cookie)", tag="accounts", public=True,
           body=s.Login, answers={
               200: Answer("signed in", s.LoginReply),
               401: Answer("wrong email or password, or a wrong second factor", s.Error),
               403: Answer("2FA is on and no twoFactorCode was sent", s.Error),
               429: Answer("too many failures; wait", s.Error)})
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


@operation("Sign out: revoke the token this request used", tag="accounts", answers={
    200: Answer("signed out", {"type": "object"})})
async def logout(request: web.Request) -> web.Response:
    user = current_user(request)
    await request.app[ACCOUNTS].logout(user, request[TOKEN_HASH], caller_of(request))
    response = json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


@operation("Who is signed in", tag="accounts", answers={
    200: Answer("the caller's account", s.UserReply)})
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


REAUTHENTICATION = {
    401: Answer("wrong password, or not signed in", s.Error),
    403: Answer("the password (and code) are needed: the sign-in is older than reauth_window, "
                "or the caller holds only an API token", s.Error),
    429: Answer("too many failed passwords or codes from this account or address; wait",
                s.Error)}


@operation("Start two-factor enrolment", tag="accounts", body=s.Reauthentication,
           body_required=False, answers={
    200: Answer("a TOTP secret, its QR code and ten backup codes; verify a code to finish",
                s.TwoFactorEnrolment),
    409: Answer("2FA is on already", s.Error), **REAUTHENTICATION})
async def enable_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    await confirm_recent(request, await read_body(request))
    return json_response(await request.app[ACCOUNTS].enable_2fa(user, caller_of(request)))


@operation("Finish two-factor enrolment with a current code", tag="accounts", body=s.Code,
           answers={200: Answer("2FA is on", s.UserReply),
                     401: Answer("wrong code", s.Error),
                     409: Answer("no enrolment to finish, or 2FA is on already", s.Error),
                     429: Answer("too many failures; wait", s.Error)})
async def verify_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_body(request)
    user = await request.app[ACCOUNTS].verify_2fa(user, text_field(body, "code"),
                                                  caller_of(request))
    return json_response({"user": user.to_json()})


@operation("Turn two-factor authentication off", tag="accounts", body=s.Disable2FA,
           answers={200: Answer("2FA is off", s.UserReply),
                     401: Answer("wrong password or code", s.Error),
                     403: Answer("no code, and no sign-in within reauth_window", s.Error),
                     409: Answer("2FA is off already", s.Error),
                     429: Answer("too many failures; wait", s.Error)})
async def disable_2fa(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_body(request)
    accounts = request.app[ACCOUNTS]
    recent = await accounts.signed_in_recently(user, request.get(TOKEN_HASH),
                                               window=request.app[SETTINGS].reauth_window)
    user = await accounts.disable_2fa(
        user, text_field(body, "password"), text_field(body, "code", required=False) or None,
        caller_of(request), recent_sign_in=recent)
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
