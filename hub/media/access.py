"""Who may watch a session or fetch its video: the owner, an admin, or a signed link.

With auth off everyone may. Another user's session or recording is reported as missing (404),
never as forbidden, so ids cannot be probed.
"""

from __future__ import annotations

from aiohttp import web

from hub.api.errors import NotFound
from hub.callers import USER, Owner
from hub.db.recordings import owner_id_of
from hub.keys import LINK_SIGNER, SETTINGS
from hub.w3c.errors import InvalidSessionId

# Routes a signed link opens (their names); nothing else accepts a signature.
SIGNED_ROUTES = frozenset({"media.vnc", "media.wd_vnc", "media.api_vnc", "media.video",
                           "media.live"})


def auth_on(request: web.Request) -> bool:
    return request.app[SETTINGS].auth == "on"


def is_admin(user: Owner | None) -> bool:
    return user is not None and user.is_admin


def signed(request: web.Request, session_id: str) -> bool:
    signer = request.app.get(LINK_SIGNER)
    return signer is not None and signer.verify(session_id, request.query)


def signed_view_request(request: web.Request) -> bool:
    """For the auth middleware: a valid signed link on one of the view routes."""
    route = request.match_info.route
    session_id = request.match_info.get("session_id")
    return bool(session_id and route.name in SIGNED_ROUTES and signed(request, session_id))


def by_user(request: web.Request, owner: Owner | int | None) -> bool:
    """The authenticated user (or nobody, with auth off) may act on what ``owner`` owns."""
    user = request.get(USER)
    if user is None:
        return not auth_on(request)
    if is_admin(user):
        return True
    owner_id = owner_id_of(owner)
    return owner_id is not None and owner_id == user.id


def may_view(request: web.Request, session_id: str, owner: Owner | int | None) -> bool:
    return signed(request, session_id) or by_user(request, owner)


def owner_scope(request: web.Request) -> int | None:
    """``owner_id`` for catalog queries: None (everything) for admins and with auth off."""
    user = request.get(USER)
    if user is None or is_admin(user):
        return None
    return user.id


def missing(request: web.Request, message: str) -> Exception:
    """A 'not found' in the error language of the surface the request came in on."""
    if request.path.startswith("/api"):
        return NotFound(message)
    if request.path.startswith("/ui"):
        return web.HTTPNotFound(text=message)
    return InvalidSessionId(message)
