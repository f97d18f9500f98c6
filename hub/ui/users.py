"""People (admins): list, create, disable, delete accounts, reset a password or 2FA, change
a role. Every form posts, acts through :class:`~hub.auth.accounts.Accounts` (which audits
it) and is redirected back to the list, so a reload never acts twice."""

from __future__ import annotations

from aiohttp import web

from hub.auth.errors import AuthError
from hub.callers import caller_of
from hub.db import users
from hub.db.users import UserInfo
from hub.keys import ACCOUNTS, DATABASE
from hub.ui import flash
from hub.ui.render import form_of, page, redirect, require_admin, viewer

FAILED = "error"
NOTICES = {"created": "The account was made.", "deleted": "The account was deleted.",
           "role": "The role was changed.", "disabled": "The account was disabled.",
           "enabled": "The account was enabled again.",
           "password": "The password was reset; the person's sign-ins were ended.",
           "2fa": "Two-factor sign-in was turned off for that account."}


def _admin(request: web.Request) -> UserInfo:
    require_admin(request)
    user = viewer(request)
    if user is None:  # auth off: there are no accounts to manage
        raise web.HTTPNotFound(text="With auth off there are no accounts to manage.")
    return user


async def users_page(request: web.Request) -> web.Response:
    admin = _admin(request)
    failed = flash.peek(request, FAILED, admin) or {}
    response = page(request, "users.html", {
        "people": await users.list_users(request.app[DATABASE]), "me": admin,
        "notice": NOTICES.get(request.query.get("done", "")), "error": failed.get("message"),
    })
    flash.clear(request, response, FAILED)
    return response


def _back(request: web.Request, admin: UserInfo, done: str = "",
          error: AuthError | None = None) -> web.HTTPFound:
    response = redirect(request, "/ui/users" + (f"?done={done}" if done else ""))
    if error is not None:
        flash.put(request, response, FAILED, admin, {"message": error.message})
    return response


def _user_id(request: web.Request) -> int:
    try:
        return int(request.match_info["user_id"])
    except ValueError:
        raise web.HTTPNotFound(text="There is no such account.") from None


async def create(request: web.Request) -> web.Response:
    admin = _admin(request)
    form = await form_of(request)
    try:
        await request.app[ACCOUNTS].create_user(
            admin, form.get("email", ""), form.get("password", ""), form.get("full_name", ""),
            form.get("role", users.USER), caller_of(request))
    except AuthError as error:
        raise _back(request, admin, error=error) from None
    raise _back(request, admin, "created")


async def act(request: web.Request) -> web.Response:
    """One of the row's buttons: ``/ui/users/{id}/{action}``."""
    admin = _admin(request)
    user_id, action = _user_id(request), request.match_info["action"]
    form = await form_of(request)
    accounts, caller = request.app[ACCOUNTS], caller_of(request)
    try:
        if action == "role":
            role = form.get("role", "")
            if role not in (users.USER, users.ADMIN):
                raise web.HTTPBadRequest(text="The role must be user or admin.")
            await accounts.update_user(admin, user_id, {"role": role}, caller)
        elif action in ("disabled", "enabled"):
            await accounts.update_user(admin, user_id, {"is_active": action == "enabled"},
                                       caller)
        elif action == "password":
            await accounts.reset_password(admin, user_id, form.get("password", ""), caller)
        elif action == "2fa":
            await accounts.reset_2fa(admin, user_id, caller)
        elif action == "deleted":
            await accounts.delete_user(admin, user_id, caller)
        else:
            raise web.HTTPNotFound(text="There is no such action.")
    except AuthError as error:
        raise _back(request, admin, error=error) from None
    raise _back(request, admin, action)


async def to_list(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ui/users")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/ui/users", users_page)
    router.add_post("/ui/users", create)
    router.add_post("/ui/users/{user_id}/{action}", act)
    router.add_get("/ui/users/{user_id}/{action}", to_list)
