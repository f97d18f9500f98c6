"""Small helpers the /api handlers share: JSON in and out, who is asking, paging."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aiohttp import web

from hub.api.contract import VALIDATED_BODY
from hub.api.errors import BadRequest, NotFound, Unauthenticated
from hub.callers import USER, caller_of
from hub.db.users import UserInfo
from hub.keys import AUDIT, SETTINGS
from hub.untrusted import INT64_MAX, UnsafeInput, read_json, row_id

MAX_LIMIT = 500


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, allow_nan=False).encode(),
                        content_type="application/json")


async def read_body(request: web.Request) -> dict[str, Any]:
    """The JSON object the request carries: as its operation's schema validated it, if it has
    one (hub/api/contract.py), else parsed here."""
    if VALIDATED_BODY in request:
        return request[VALIDATED_BODY].copy()
    try:
        body = await read_json(request, empty={})
    except UnsafeInput as error:
        raise BadRequest(str(error)) from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise BadRequest(f"field {name!r} must be a non-empty string")
    return value


def audit(request: web.Request, action: str, *, resource_type: str | None = None,
          resource_id: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Record ``action`` by the caller of ``request`` (user, address, user agent); returns
    at once. For other packages: ``audit(request, "node.drain", resource_type="node", ...)``."""
    user = request.get(USER)
    who = caller_of(request)
    request.app[AUDIT].record(
        action, user_id=user.id if user else None, user_email=user.email if user else None,
        resource_type=resource_type, resource_id=resource_id, details=details,
        ip_address=who.ip, user_agent=who.user_agent)


def current_user(request: web.Request) -> UserInfo:
    """The signed-in user; 401 for anonymous callers (possible with auth off)."""
    user = request.get(USER)
    if user is None:
        raise Unauthenticated("sign in first: this needs an API token")
    return user


def owner_scope(request: web.Request) -> int | None:
    """The user id to restrict reads to, or None to see everything.

    Admins see everything; so does an anonymous caller on a hub with auth off (a local,
    single-user hub). Everyone else sees their own only.
    """
    user = request.get(USER)
    if user is None:
        if request.app[SETTINGS].auth == "on":
            raise Unauthenticated("sign in first: this needs an API token")
        return None
    return None if user.is_admin else user.id


def parse_limit(request: web.Request, default: int = 50) -> int:
    raw = request.query.get("limit", str(default))
    limit = row_id(raw)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def parse_time(request: web.Request, name: str) -> dt.datetime | None:
    """An ISO 8601 query parameter; a date or a time without zone is taken as UTC."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date or time, got {raw!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_int(request: web.Request, name: str) -> int | None:
    """A whole number of 0 or more from the query (ids, offsets, cursors)."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    value = row_id(raw)
    if value is None:
        raise BadRequest(f"{name} must be a whole number from 0 to {INT64_MAX}, got {raw[:40]!r}")
    return value


def path_id(request: web.Request, name: str, what: str) -> int:
    """The id in the path; 404 for anything that cannot be one (so it cannot exist)."""
    value = row_id(request.match_info[name])
    if value is None:
        raise NotFound(f"no such {what}")
    return value
