"""The account page: password, two-factor sign-in on and off, API tokens made and revoked.

Every form posts and is redirected to a page (post-redirect-get), so a reload never acts
twice. Secrets (a new token, the backup codes of a 2FA set-up) reach that page in a sealed
cookie (:mod:`hub.ui.flash`): a new token is shown once; a set-up is shown again on every
reload until it is confirmed or cancelled.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.auth import totp
from hub.auth.authenticator import COOKIE
from hub.auth.errors import AuthError
from hub.callers import TOKEN_HASH, caller_of
from hub.db import users
from hub.db.users import UserInfo
from hub.keys import ACCOUNTS, DATABASE, SETTINGS
from hub.ui import flash
from hub.ui.render import form_of, page, redirect, require_viewer, viewer
from hub.untrusted import row_id

NOTICES = {"2fa-on": "Two-factor sign-in is on.", "2fa-off": "Two-factor sign-in is off.",
           "2fa-cancelled": "The two-factor set-up was cancelled.",
           "revoked": "The token was revoked."}
NEW_TOKEN, SETUP, FAILED = "token", "2fa", "error"


def _me(request: web.Request) -> UserInfo:
    require_viewer(request)
    user = viewer(request)
    if user is None:  # auth off: nobody to be
        raise web.HTTPFound("/ui/sessions")
    return user


async def _setup(request: web.Request, user: UserInfo) -> dict[str, Any] | None:
    """The 2FA set-up waiting for its first code, as begun in this browser."""
    sealed = flash.peek(request, SETUP, user)
    if sealed is None or user.two_factor_enabled:
        return None
    secret = await request.app[ACCOUNTS].pending_2fa_secret(user)
    if secret is None or secret != sealed.get("secret"):
        return None
    uri = totp.provisioning_uri(secret, user.email)
    return {"secret": secret, "qrCode": totp.qr_data_uri(uri),
            "backupCodes": sealed.get("backupCodes", [])}


async def _confirm(request: web.Request, user: UserInfo, form: dict[str, str]) -> None:
    """A sign-in older than ``reauth_window`` needs the password (and code) again."""
    await request.app[ACCOUNTS].confirm_recent(
        user, request.get(TOKEN_HASH), form.get("password", ""),
        form.get("code", "").strip(), caller_of(request),
        window=request.app[SETTINGS].reauth_window)


async def _render(request: web.Request, user: UserInfo, **extra: Any) -> web.Response:
    tokens = await users.list_tokens(request.app[DATABASE], user.id)
    failed = flash.peek(request, FAILED, user) or {}
    response = page(request, "account.html", {
        "account": user, "tokens": tokens, "notice": NOTICES.get(request.query.get("done", "")),
        "enrollment": await _setup(request, user), "error": failed.get("message"),
        "new_token": flash.peek(request, NEW_TOKEN, user), **extra,
    })
    for name in (NEW_TOKEN, FAILED):  # shown once
        flash.clear(request, response, name)
    return response


async def account(request: web.Request) -> web.Response:
    return await _render(request, _me(request))


def _back(request: web.Request, where: str = "") -> web.HTTPFound:
    return redirect(request, "/ui/account" + where)


def _failed(request: web.Request, user: UserInfo, error: AuthError,
            where: str) -> web.HTTPFound:
    """Back to the page with the message: a reload of the answer never posts again."""
    response = _back(request, where)
    flash.put(request, response, FAILED, user, {"message": error.message})
    return response


async def to_account(request: web.Request) -> web.Response:
    """A GET of a form's address (a reload, a bookmark) shows the account page."""
    raise web.HTTPFound("/ui/account")


async def enable_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    if await _setup(request, user) is not None:  # already begun here: show it, keep its key
        raise _back(request, "#two-factor")
    form = await form_of(request)
    try:
        await _confirm(request, user, form)
        enrollment = await request.app[ACCOUNTS].enable_2fa(user, caller_of(request))
    except AuthError as error:
        raise _failed(request, user, error, "#two-factor") from None
    response = _back(request, "#two-factor")
    flash.put(request, response, SETUP, user, {"secret": enrollment["secret"],
                                               "backupCodes": enrollment["backupCodes"]})
    raise response


async def verify_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    form = await form_of(request)
    try:
        await request.app[ACCOUNTS].verify_2fa(user, form.get("code", "").strip(),
                                               caller_of(request))
    except AuthError as error:
        raise _failed(request, user, error, "#two-factor") from None
    response = _back(request, "?done=2fa-on")
    flash.clear(request, response, SETUP)
    raise response


async def cancel_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    await request.app[ACCOUNTS].cancel_2fa(user, caller_of(request))
    response = _back(request, "?done=2fa-cancelled")
    flash.clear(request, response, SETUP)
    raise response


async def disable_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    form = await form_of(request)
    try:
        await request.app[ACCOUNTS].disable_2fa(user, form.get("password", ""),
                                                form.get("code", "").strip(), caller_of(request))
    except AuthError as error:
        raise _failed(request, user, error, "#two-factor") from None
    raise _back(request, "?done=2fa-off")


async def change_password(request: web.Request) -> web.Response:
    """The user's own password; every sign-in ends with it, this one too."""
    user = _me(request)
    form = await form_of(request)
    try:
        await request.app[ACCOUNTS].change_password(user, form.get("current", ""),
                                                    form.get("new", ""), caller_of(request))
    except AuthError as error:
        raise _failed(request, user, error, "#password") from None
    response = redirect(request, "/ui/login?done=password")
    response.del_cookie(COOKIE, path="/")
    raise response


async def create_token(request: web.Request) -> web.Response:
    user = _me(request)
    form = await form_of(request)
    try:
        await _confirm(request, user, form)
        info, token = await request.app[ACCOUNTS].create_token(user, form.get("name", ""),
                                                               caller_of(request))
    except AuthError as error:
        raise _failed(request, user, error, "#tokens") from None
    response = _back(request, "#tokens")
    flash.put(request, response, NEW_TOKEN, user, {"name": info.name, "token": token})
    raise response


async def revoke_token(request: web.Request) -> web.Response:
    user = _me(request)
    token_id = row_id(request.match_info["token_id"])
    if token_id is None:
        raise web.HTTPNotFound(text="no such token")
    if not await request.app[ACCOUNTS].revoke_token(user, token_id, caller_of(request)):
        raise web.HTTPNotFound(text="no such token")
    raise _back(request, "?done=revoked")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/ui/account", account)
    for path, handler in (("/ui/account/2fa/enable", enable_2fa),
                          ("/ui/account/2fa/verify", verify_2fa),
                          ("/ui/account/2fa/cancel", cancel_2fa),
                          ("/ui/account/2fa/disable", disable_2fa),
                          ("/ui/account/password", change_password),
                          ("/ui/account/tokens", create_token),
                          ("/ui/account/tokens/{token_id}/revoke", revoke_token)):
        router.add_post(path, handler)
        router.add_get(path, to_account)
