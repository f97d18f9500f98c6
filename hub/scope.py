"""Who sees which sessions and queued requests on the grid-wide views.

Admins see everything; so does an anonymous caller on a hub with auth off (a local,
single-user hub). Everyone else sees only what they own, on ``/status``, the new-session
queue endpoints and ``/graphql`` (the database-backed ``/api`` views scope themselves with
``owner_scope``). Another user's busy slot shows as busy, without its id or capabilities.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.callers import USER
from hub.keys import SETTINGS


def _id(who: Any) -> Any:
    return getattr(who, "id", who)


def sees_all(request: web.Request) -> bool:
    user = request.get(USER)
    if user is None:
        return request.app[SETTINGS].auth != "on"
    return bool(getattr(user, "is_admin", False))


def owns(request: web.Request, owner: Any) -> bool:
    """True when the caller may see or act on something ``owner`` started."""
    if sees_all(request):
        return True
    user = request.get(USER)
    return user is not None and owner is not None and _id(owner) == _id(user)


def hidden_session(created_at: float) -> dict[str, Any]:
    """What another user's slot shows on /status: busy, nothing more."""
    return {"sessionId": None, "hidden": True, "start": created_at}
