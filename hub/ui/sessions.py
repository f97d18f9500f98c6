"""Session pages: the live list (kept fresh by polling /api/sessions) and one session, which
shows its screen while it runs (noVNC) and its video once it has ended."""

from __future__ import annotations

from aiohttp import web

from hub.callers import caller_of
from hub.db import sessions as history
from hub.db.recordings import PARTIAL, READY, owner_id_of
from hub.grid.session import Session
from hub.keys import DATABASE, DB_WRITER, DISTRIBUTOR, RECORDINGS, REGISTRY, SETTINGS
from hub.ui import people
from hub.ui.render import owner_scope, page, redirect, require_viewer
from hub.urls import websocket_base


async def list_page(request: web.Request) -> web.Response:
    require_viewer(request)
    scope = owner_scope(request)
    owners = await people.emails(request.app[DATABASE], only=scope)
    filters = {key: request.query.get(key, "") for key in ("state", "browser", "name")}
    return page(request, "sessions.html", {
        "filters": filters, "states": history.STATES,
        "owners": {str(key): value for key, value in owners.items()},
    })


def _live(request: web.Request, session_id: str, scope: int | None) -> Session | None:
    session = request.app[REGISTRY].find(session_id)
    if session is None or (scope is not None and owner_id_of(session.owner) != scope):
        return None
    return session


async def detail_page(request: web.Request) -> web.Response:
    require_viewer(request)
    scope = owner_scope(request)
    session_id = request.match_info["session_id"]
    live = _live(request, session_id, scope)
    await request.app[DB_WRITER].flush(within=5)
    row = await history.get_session(request.app[DATABASE], session_id, owner_id=scope)
    if row is None and live is None:
        return page(request, "missing.html", {"what": f"session {session_id}"}, status=404)
    recording = None
    if RECORDINGS in request.app:
        recording = await request.app[RECORDINGS].catalog.for_session(session_id)
    vnc = None
    if live is not None and "vnc" in live.node_session.endpoints:
        base = websocket_base(request, request.app[SETTINGS].public_url)
        vnc = f"{base}/api/sessions/{session_id}/vnc"
    return page(request, "session.html", {
        "session_id": session_id, "row": row or {}, "running": live is not None,
        "vnc_url": vnc, "recording": recording,
        "video_ready": recording is not None and recording.status in (READY, PARTIAL)
                       and live is None,
    })


async def end_session(request: web.Request) -> web.Response:
    require_viewer(request)
    session_id = request.match_info["session_id"]
    live = _live(request, session_id, owner_scope(request))
    if live is None:
        return page(request, "missing.html", {"what": f"running session {session_id}"},
                    status=404)
    await request.app[DISTRIBUTOR].end_session(live, "it was ended from the dashboard",
                                               by=caller_of(request))
    raise redirect(request, f"/ui/sessions/{session_id}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/sessions", list_page)
    app.router.add_get("/ui/sessions/{session_id}", detail_page)
    app.router.add_post("/ui/sessions/{session_id}/end", end_session)
