"""History pages: recordings and the audit log, rendered on the server with filters and
paging in the query string (so a page can be bookmarked and shared)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

from aiohttp import web

from hub.db.audit import AuditQuery
from hub.keys import AUDIT, DB_WRITER, RECORDINGS
from hub.media.catalog import Search
from hub.ui.render import owner_scope, page, require_viewer

PAGE_SIZE = 50
MAX_RECORDINGS = 200


def _day(request: web.Request, name: str, end: bool = False) -> dt.datetime | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a date such as 2026-01-31") from None
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if end and len(raw) == 10:  # a whole day: up to its end
        value += dt.timedelta(days=1)
    return value


async def recordings_page(request: web.Request) -> web.Response:
    require_viewer(request)
    name = request.query.get("name", "").strip()
    status = request.query.get("status", "").strip()
    found = []
    if RECORDINGS in request.app:
        found = await request.app[RECORDINGS].catalog.search(Search(
            owner_id=owner_scope(request), name=name or None, status=status or None,
            since=_day(request, "from"), until=_day(request, "to", end=True)))
    return page(request, "recordings.html", {
        "recordings": found[:MAX_RECORDINGS], "more": len(found) > MAX_RECORDINGS,
        "filters": {"name": name, "status": status, "from": request.query.get("from", ""),
                    "to": request.query.get("to", "")},
    })


async def audit_page(request: web.Request) -> web.Response:
    require_viewer(request)
    filters = {key: request.query.get(key, "").strip()
               for key in ("action", "resourceType", "from", "to")}
    cursor = request.query.get("cursor", "")
    query = AuditQuery(
        user_id=owner_scope(request), action=filters["action"] or None,
        resource_type=filters["resourceType"] or None, start=_day(request, "from"),
        end=_day(request, "to", end=True), limit=PAGE_SIZE,
        cursor=int(cursor) if cursor.isdigit() else None)
    await request.app[DB_WRITER].flush(within=5)
    entries, next_cursor = await request.app[AUDIT].query(query)
    kept = {key: value for key, value in filters.items() if value}
    next_url = None
    if next_cursor is not None:
        next_url = "/ui/audit?" + urllib.parse.urlencode({**kept, "cursor": next_cursor})
    return page(request, "audit.html", {
        "entries": entries, "filters": filters, "next_url": next_url,
        "first_url": "/ui/audit?" + urllib.parse.urlencode(kept) if cursor else None,
    })


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/recordings", recordings_page)
    app.router.add_get("/ui/audit", audit_page)
