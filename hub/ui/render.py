"""What every dashboard page shares: who is looking, the page frame, the security headers."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.callers import USER
from hub.db.users import UserInfo
from hub.keys import SETTINGS
from hub.ui import csrf

NAV = [("sessions", "Sessions"), ("nodes", "Nodes"), ("recordings", "Recordings"),
       ("audit", "Audit log")]
ADMIN_NAV = [("users", "People"), ("settings", "Settings")]


def when(value: dt.datetime | str | None) -> str:
    """The one way the dashboard shows a time: ``2026-01-31 14:05:09 UTC`` (scripts match)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:  # the database keeps UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def csp(request: web.Request) -> str:
    """No inline script or style anywhere; the VNC websocket is the only other origin."""
    host = request.host
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; media-src 'self'; "
            f"connect-src 'self' ws://{host} wss://{host}; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = csp(request)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"


def auth_on(request: web.Request) -> bool:
    return request.app[SETTINGS].auth == "on"


def viewer(request: web.Request) -> UserInfo | None:
    user = request.get(USER)
    return user if isinstance(user, UserInfo) else None


def is_admin(request: web.Request) -> bool:
    """Admins, and anyone on a hub with auth off (a local, single-user hub)."""
    user = viewer(request)
    return user.is_admin if user else not auth_on(request)


def owner_scope(request: web.Request) -> int | None:
    """The user id to restrict what the page shows to, or None for everything."""
    user = viewer(request)
    return None if user is None or user.is_admin else user.id


def require_viewer(request: web.Request) -> None:
    """Send an anonymous visitor to the sign-in page (with auth on), then back here."""
    if auth_on(request) and viewer(request) is None:
        target = urllib.parse.quote(request.path_qs, safe="")
        raise web.HTTPFound(f"/ui/login?next={target}")


def require_admin(request: web.Request) -> None:
    require_viewer(request)
    if not is_admin(request):
        raise web.HTTPForbidden(text="This page is for admins.")


def safe_next(value: str | None) -> str:
    """Only our own pages: never an absolute or protocol-relative URL (open redirect)."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/sessions"


def page(request: web.Request, template: str, context: dict[str, Any] | None = None,
         *, status: int = 200) -> web.Response:
    user = viewer(request)
    frame = {
        "user": user, "auth_on": auth_on(request), "is_admin": is_admin(request),
        "csrf_token": csrf.token_for(request),
        "nav": NAV + [(slug, label) for slug, label in ADMIN_NAV  # no accounts with auth off
                      if is_admin(request) and (slug != "users" or auth_on(request))],
        "here": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, {**frame, **(context or {})},
                                              status=status)
    secure_headers(request, response)
    csrf.set_cookie(request, response)
    return response


async def form_of(request: web.Request) -> dict[str, str]:
    """A posted form's text fields (files are ignored)."""
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def redirect(request: web.Request, location: str) -> web.HTTPFound:
    """A 302 that still carries a rotated CSRF cookie, for ``raise``."""
    response = web.HTTPFound(location)
    csrf.set_cookie(request, response)
    return response
