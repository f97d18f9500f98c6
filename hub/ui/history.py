"""History pages: recordings and the audit log, rendered on the server with filters and
paging in the query string (so a page can be bookmarked and shared)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

from aiohttp import web

from hub.db import sessions as history
from hub.db.audit import AuditQuery
from hub.db.recordings import RecordingInfo
from hub.keys import AUDIT, DATABASE, DB_WRITER, RECORDINGS
from hub.media.catalog import Search
from hub.ui.render import owner_scope, page, require_viewer

PAGE_SIZE = 50
MAX_RECORDINGS = 200
STATUSES = ("", "ready", "recording", "failed")


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
    """Recordings under their test's name; the name filter matches the test name or the
    file name, and a name opens the session's page (its replay)."""
    require_viewer(request)
    name = request.query.get("name", "").strip()
    status = request.query.get("status", "").strip()
    if status not in STATUSES:
        raise web.HTTPBadRequest(text=f"status must be one of {', '.join(STATUSES[1:])}")
    since, until = _day(request, "from"), _day(request, "to", end=True)
    found: list[tuple[RecordingInfo, dict[str, Any]]] = []
    if RECORDINGS in request.app:
        await request.app[DB_WRITER].flush(within=5)
        listed = await request.app[RECORDINGS].catalog.search(Search(
            owner_id=owner_scope(request), status=status or None, since=since, until=until))
        tests = await history.summaries_of(request.app[DATABASE],
                                           {rec.session_id for rec in listed})
        wanted = name.lower()
        for rec in listed:
            test = tests.get(rec.session_id, {})
            if not wanted or wanted in (test.get("name") or "").lower() \
                    or wanted in rec.name.lower():
                found.append((rec, test))
    return page(request, "recordings.html", {
        "recordings": found[:MAX_RECORDINGS], "more": len(found) > MAX_RECORDINGS,
        "filters": {"name": name, "status": status, "from": request.query.get("from", ""),
                    "to": request.query.get("to", "")},
    })


async def audit_page(request: web.Request) -> web.Response:
    require_viewer(request)
    filters = {key: request.query.get(key, "").strip()
               for key in ("action", "person", "resourceType", "from", "to")}
    cursor = request.query.get("cursor", "")
    if cursor and not cursor.isdigit():
        raise web.HTTPBadRequest(text="cursor must be a number from an Older link")
    query = AuditQuery(
        user_id=owner_scope(request), action_prefix=filters["action"] or None,
        email=filters["person"] or None,
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
        "entries": entries, "filters": filters, "next_url": next_url, "describe": describe,
        "first_url": "/ui/audit?" + urllib.parse.urlencode(kept) if cursor else None,
    })


def describe(details: dict[str, Any]) -> list[tuple[str, str]]:
    """What an audit entry stored, as lines: ``reason: bad_password``,
    ``isAdmin: false → true`` for a changed setting."""
    lines: list[tuple[str, str]] = []
    details = dict(details or {})
    if "from" in details and "to" in details:  # a setting: what changed, from what to what
        old, new = details.pop("from"), details.pop("to")
        if isinstance(old, dict) and isinstance(new, dict):
            lines += [(key, f"{_text(old.get(key))} → {_text(new.get(key))}")
                      for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
        else:
            lines.append(("changed", f"{_text(old)} → {_text(new)}"))
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            for field, change in value.items():
                if isinstance(change, dict) and "from" in change:
                    lines.append((field, f"{_text(change.get('from'))} → "
                                         f"{_text(change.get('to'))}"))
                else:
                    lines.append((field, _text(change)))
        elif isinstance(value, dict) and set(value) >= {"from", "to"}:
            lines.append((key, f"{_text(value['from'])} → {_text(value['to'])}"))
        elif value not in (None, "", {}, []):
            lines.append((key, _text(value)))
    return lines


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)[:300]
    return str(value)[:300]


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/recordings", recordings_page)
    app.router.add_get("/ui/audit", audit_page)
