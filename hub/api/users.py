"""/api/users: the accounts on this hub. Admins list and change them; a user may rename
themselves. Disabling an account stops its tokens and sign-ins at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import current_user, json_response, path_id, read_body
from hub.api.contract import Answer, operation
from hub.api.errors import BadRequest, Forbidden
from hub.callers import caller_of
from hub.db import users
from hub.keys import ACCOUNTS, DATABASE


@operation("Every account (admins)", tag="users", answers={
    200: Answer("the accounts", s.UserList), 403: Answer("not an admin", s.Error)})
async def list_users(request: web.Request) -> web.Response:
    if not current_user(request).is_admin:
        raise Forbidden("only an admin may list users", code="admin_required")
    found = await users.list_users(request.app[DATABASE])
    return json_response({"items": [user.to_json() for user in found]})


def parse_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON fields as column values; unknown fields and wrong types are 400s."""
    unknown = set(body) - {"fullName", "isAdmin", "disabled"}
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(sorted(unknown))}; "
                         "send fullName, isAdmin or disabled")
    changes: dict[str, Any] = {}
    if "fullName" in body:
        name = body["fullName"]
        if not isinstance(name, str) or len(name.strip()) > 200:
            raise BadRequest("fullName must be a string of at most 200 characters")
        changes["full_name"] = name.strip()
    for field in ("isAdmin", "disabled"):
        if field in body and not isinstance(body[field], bool):
            raise BadRequest(f"{field} must be true or false")
    if "isAdmin" in body:
        changes["role"] = users.ADMIN if body["isAdmin"] else users.USER
    if "disabled" in body:
        changes["is_active"] = not body["disabled"]
    if not changes:
        raise BadRequest("nothing to change: send fullName, isAdmin or disabled")
    return changes


@operation("Change an account: name (the user or an admin), admin rights, disabled (admins)",
           tag="users", body=s.UserChanges, ids=("user_id",), answers={
               200: Answer("the account as changed", s.UserReply),
               403: Answer("not allowed to change that", s.Error),
               404: Answer("no such user", s.Error),
               409: Answer("the change would leave no active admin", s.Error)})
async def update_user(request: web.Request) -> web.Response:
    actor = current_user(request)
    user_id = path_id(request, "user_id", "user")
    changes = parse_changes(await read_body(request))
    user = await request.app[ACCOUNTS].update_user(actor, user_id, changes, caller_of(request))
    return json_response({"user": user.to_json()})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/users", list_users)
    app.router.add_patch("/api/users/{user_id}", update_user)
