"""``GET /api/sessions/{id}/steps``: a session's timeline, a page at a time, on the video's
clock. Who may read it is who may watch the video (owner or admin); anyone else gets 404."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import owner_scope, parse_int
from hub.api.contract import Answer, operation
from hub.api.errors import BadRequest, NotFound
from hub.callers import Owner
from hub.db import sessions as history
from hub.keys import DATABASE, RECORDINGS, REGISTRY
from hub.media import access
from hub.timeline.commands import describe
from hub.timeline.recorder import Timeline

TIMELINE: web.AppKey[Timeline] = web.AppKey("timeline")
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


async def _owner(request: web.Request, session_id: str) -> tuple[bool, Owner | int | None]:
    """(the session is known here, its owner)."""
    session = request.app[REGISTRY].find(session_id)
    if session is not None:
        return True, session.owner
    recordings = request.app.get(RECORDINGS)
    info = await recordings.catalog.for_session(session_id) if recordings else None
    if info is not None:
        return True, info.owner_id
    database = request.app.get(DATABASE)
    if database is not None:
        row = await history.get_session(database, session_id, owner_id=owner_scope(request))
        if row is not None:
            return True, row.get("ownerId")
    return False, None


async def _origin(request: web.Request, session_id: str,
                  first: dict[str, Any] | None) -> tuple[str, float | None]:
    """(clock, epoch of its second 0): the video's first frame, else the session start."""
    recordings = request.app.get(RECORDINGS)
    info = await recordings.catalog.for_session(session_id) if recordings else None
    if info is not None and info.duration and info.ended_at is not None:
        # ffmpeg's first frame comes a moment (more under load) after it was launched, and
        # it stops right after its last frame: count back from the end.
        return "video", info.ended_at.timestamp() - info.duration
    if info is not None:
        return "video", info.started_at.timestamp()
    session = request.app[REGISTRY].find(session_id)
    if session is not None:
        return "session", session.created_at
    return "session", float(first["at"]) if first else None


@operation("The session's timeline: its WebDriver commands and CDP/BiDi calls as steps",
           tag="sessions", query=s.StepQuery,
           description="Steps in order, on the video's clock (start/end in seconds from its "
           "first frame; without a video, from the session's start). Typed text, cookie values "
           "and secrets are masked before they are stored. Page with offset and limit; a live "
           "session's steps appear within a second.",
           answers={200: Answer("a page of steps", s.StepPage),
                    404: Answer("no such session of the caller's", s.Error)})
async def session_steps(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    timeline = request.app.get(TIMELINE)
    if timeline is None:
        raise NotFound("this hub keeps no timeline (timeline = off)")
    offset = parse_int(request, "offset") or 0
    limit = parse_int(request, "limit") or DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    known, owner = await _owner(request, session_id)
    stored = known or await asyncio.to_thread(timeline.store.exists, session_id)
    if not stored or not access.by_user(request, owner):
        raise NotFound(f"no steps for session {session_id}")
    total, page = await asyncio.to_thread(timeline.store.read, session_id, offset, limit)
    first = page[0] if offset == 0 and page else None
    if first is None and total:
        _, head = await asyncio.to_thread(timeline.store.read, session_id, 0, 1)
        first = head[0] if head else None
    clock, origin = await _origin(request, session_id, first)
    zero = origin if origin is not None else 0.0
    steps = [render(step, zero) for step in page]
    following = offset + len(page)
    return web.json_response({
        "sessionId": session_id, "clock": clock,
        "origin": _iso(origin), "total": total, "offset": offset, "limit": limit,
        "next": following if following < total else None, "steps": steps})


def render(step: dict[str, Any], zero: float) -> dict[str, Any]:
    out = {key: value for key, value in step.items() if key not in ("at", "until")}
    out["start"] = round(float(step.get("at", zero)) - zero, 3)
    out["end"] = round(float(step.get("until", step.get("at", zero))) - zero, 3)
    out["text"] = describe(step)
    return out


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/sessions/{session_id}/steps", session_steps)
