"""/api/audit-logs: the audit trail, newest first, with cursor paging.

Users see the entries about themselves, admins every entry. ``cursor`` is the
``nextCursor`` of the previous page.
"""

from __future__ import annotations

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import json_response, owner_scope, parse_int, parse_limit, parse_time, path_id
from hub.api.contract import Answer, operation
from hub.api.errors import NotFound
from hub.db.audit import AuditQuery
from hub.keys import AUDIT, DB_WRITER


@operation("The audit trail, newest first (users: about themselves; admins: all)",
           tag="audit", query=s.AuditQuery, answers={
               200: Answer("a page of entries and the cursor of the next",
                           {"type": "object", "required": ["items", "nextCursor"],
                            "properties": {"items": {"type": "array"},
                                           "nextCursor": {"type": ["string", "null"]}}})})
async def list_entries(request: web.Request) -> web.Response:
    scope = owner_scope(request)
    wanted = parse_int(request, "userId")
    if scope is not None and wanted not in (None, scope):
        return json_response({"items": [], "nextCursor": None})
    cursor = request.query.get("cursor")
    query = AuditQuery(
        user_id=scope if scope is not None else wanted,
        action=request.query.get("action") or None,
        resource_type=request.query.get("resourceType") or None,
        start=parse_time(request, "startDate"), end=parse_time(request, "endDate"),
        limit=parse_limit(request), cursor=parse_int(request, "cursor") if cursor else None,
    )
    await request.app[DB_WRITER].flush(within=5)
    items, next_cursor = await request.app[AUDIT].query(query)
    return json_response({"items": items,
                          "nextCursor": None if next_cursor is None else str(next_cursor)})


@operation("One audit entry", tag="audit", ids=("entry_id",), answers={
    200: Answer("the entry", {"type": "object"}), 404: Answer("no such entry", s.Error)})
async def get_entry(request: web.Request) -> web.Response:
    scope = owner_scope(request)
    entry_id = path_id(request, "entry_id", "audit entry")
    await request.app[DB_WRITER].flush(within=5)
    entry = await request.app[AUDIT].get(entry_id)
    if entry is None or (scope is not None and entry["userId"] != scope):
        raise NotFound("no such audit entry")
    return json_response(entry)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/audit-logs", list_entries)
    app.router.add_get("/api/audit-logs/{entry_id}", get_entry)
