"""The account page: two-factor sign-in on and off, API tokens made and revoked.

Secrets (the 2FA key, backup codes, a new token) appear once, in the answer to the POST that
made them; they are never stored where a later page could show them again.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.errors import ApiError, http_status
from hub.auth.errors import AuthError
from hub.callers import caller_of
from hub.db import users
from hub.db.users import UserInfo
from hub.keys import ACCOUNTS, DATABASE
from hub.ui.render import page, redirect, require_viewer, viewer
from hub.untrusted import row_id

NOTICES = {"2fa-on": "Two-factor sign-in is on.", "2fa-off": "Two-factor sign-in is off.",
           "revoked": "The token was revoked."}


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _me(request: web.Request) -> UserInfo:
    require_viewer(request)
    user = viewer(request)
    if user is None:  # auth off: nobody to be
        raise web.HTTPFound("/ui/sessions")
    return user


async def _render(request: web.Request, user: UserInfo, status: int = 200,
                  **extra: Any) -> web.Response:
    tokens = await users.list_tokens(request.app[DATABASE], user.id)
    notice = NOTICES.get(request.query.get("done", ""))
    return page(request, "account.html",
                {"account": user, "tokens": tokens, "notice": notice, **extra}, status=status)


async def account(request: web.Request) -> web.Response:
    return await _render(request, _me(request))


async def enable_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    try:
        enrollment = await request.app[ACCOUNTS].enable_2fa(user, caller_of(request))
    except (ApiError, AuthError) as error:
        return await _render(request, user, http_status(error), error=error.message)
    return await _render(request, user, enrollment=enrollment)


async def verify_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    form = await _form(request)
    try:
        await request.app[ACCOUNTS].verify_2fa(user, form.get("code", "").strip(),
                                               caller_of(request))
    except (ApiError, AuthError) as error:
        return await _render(request, user, http_status(error), error=error.message,
                             verify_again=True)
    raise redirect(request, "/ui/account?done=2fa-on")


async def disable_2fa(request: web.Request) -> web.Response:
    user = _me(request)
    form = await _form(request)
    try:
        await request.app[ACCOUNTS].disable_2fa(user, form.get("password", ""),
                                                form.get("code", "").strip(), caller_of(request))
    except (ApiError, AuthError) as error:
        return await _render(request, user, http_status(error), error=error.message)
    raise redirect(request, "/ui/account?done=2fa-off")


async def create_token(request: web.Request) -> web.Response:
    user = _me(request)
    form = await _form(request)
    try:
        info, token = await request.app[ACCOUNTS].create_token(user, form.get("name", ""),
                                                               caller_of(request))
    except (ApiError, AuthError) as error:
        return await _render(request, user, http_status(error), error=error.message)
    return await _render(request, user, status=201, new_token=token, new_token_name=info.name)


async def revoke_token(request: web.Request) -> web.Response:
    user = _me(request)
    token_id = row_id(request.match_info["token_id"])
    if token_id is None:
        raise web.HTTPNotFound(text="no such token")
    if not await request.app[ACCOUNTS].revoke_token(user, token_id, caller_of(request)):
        raise web.HTTPNotFound(text="no such token")
    raise redirect(request, "/ui/account?done=revoked")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/ui/account", account)
    router.add_post("/ui/account/2fa/enable", enable_2fa)
    router.add_post("/ui/account/2fa/verify", verify_2fa)
    router.add_post("/ui/account/2fa/disable", disable_2fa)
    router.add_post("/ui/account/tokens", create_token)
    router.add_post("/ui/account/tokens/{token_id}/revoke", revoke_token)
