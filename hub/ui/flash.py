"""Secrets carried from a POST to the page it redirects to (post-redirect-get).

A new API token, or a pending 2FA set-up (its backup codes), must be shown on the page the
browser lands on after the POST, yet never be stored where another browser could read it.
They ride in an HttpOnly, SameSite=Strict cookie that the hub encrypts and authenticates
(Fernet, through the accounts' :class:`~hub.auth.secret_box.SecretBox`) and that names the
user it belongs to; a flash is read once, a pending value until it is cleared.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from hub.db.users import UserInfo
from hub.keys import ACCOUNTS

PREFIX = "tggrid_flash_"
LIFETIME = 900  # seconds: a set-up left open longer starts again


def _cookie(name: str) -> str:
    return PREFIX + name


def put(request: web.Request, response: web.StreamResponse, name: str, user: UserInfo,
        value: dict[str, Any]) -> None:
    """Seal ``value`` for ``user`` into the response."""
    payload = {"purpose": name, "uid": user.id, "exp": time.time() + LIFETIME, "value": value}
    sealed = request.app[ACCOUNTS].box.encrypt(json.dumps(payload))
    response.set_cookie(_cookie(name), sealed, httponly=True, samesite="Strict",
                        path="/ui", secure=request.secure, max_age=LIFETIME)


def peek(request: web.Request, name: str, user: UserInfo) -> dict[str, Any] | None:
    """The sealed value, if this browser holds one for ``user`` that has not expired."""
    sealed = request.cookies.get(_cookie(name))
    if not sealed:
        return None
    try:
        payload = json.loads(request.app[ACCOUNTS].box.decrypt(sealed))
    except ValueError:
        return None
    if (not isinstance(payload, dict) or payload.get("purpose") != name
            or payload.get("uid") != user.id or float(payload.get("exp", 0)) < time.time()):
        return None
    value = payload.get("value")
    return value if isinstance(value, dict) else None


def clear(request: web.Request, response: web.StreamResponse, name: str) -> None:
    if _cookie(name) in request.cookies:
        response.del_cookie(_cookie(name), path="/ui")
