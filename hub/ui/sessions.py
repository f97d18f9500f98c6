"""Session pages: the live list (kept fresh by polling /api/sessions) and one session, which
shows its screen while it runs (noVNC) and its video once it has ended."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp import web

from hub.callers import caller_of
from hub.db import sessions as history
from hub.db.recordings import PARTIAL, READY, owner_id_of
from hub.grid.session import Session
from hub.keys import DATABASE, DB_WRITER, DISTRIBUTOR, RECORDINGS, REGISTRY, SETTINGS
from hub.ui import people
from hub.ui.render import owner_scope, page, redirect, require_viewer, secure_headers
from hub.urls import websocket_base

LOG_TAIL = 256 * 1024


async def list_page(request: web.Request) -> web.Response:
    require_viewer(request)
    scope = owner_scope(request)
    owners = await people.emails(request.app[DATABASE], only=scope)
    filters = {key: request.query.get(key, "") for key in ("state", "browser", "name")}
    settings = request.app[SETTINGS]
    return page(request, "sessions.html", {
        "filters": filters, "states": history.STATES,
        "owners": {str(key): value for key, value in owners.items()},
        "hub_vnc": settings.enable_vnc, "hub_video": settings.enable_recording,
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
    capabilities = dict(live.capabilities) if live is not None else (row or {}).get(
        "capabilities") or {}
    return page(request, "session.html", {
        "session_id": session_id, "row": row or {}, "running": live is not None,
        "vnc_url": vnc, "recording": recording,
        "video_ready": recording is not None and recording.status in (READY, PARTIAL)
                       and live is None,
        "not_recorded": recording is None and _video_refused(capabilities),
        "capabilities": json.dumps(capabilities, indent=2, sort_keys=True, default=str),
        "requested": json.dumps((row or {}).get("requestedCapabilities") or {}, indent=2,
                                sort_keys=True, default=str),
        "driver_log": live is not None and driver_log_path(live) is not None,
        # a browser started by hand is there to be driven: its screen starts interactive
        "view_only": request.query.get("manual") != "1",
    })


def _video_refused(capabilities: dict[str, object]) -> bool:
    """The hub answered that it does not film the session (its node, a relay, records none)."""
    options = capabilities.get("tggrid:options")
    return isinstance(options, dict) and options.get("enableVideo") is False


def driver_log_path(session: Session) -> Path | None:
    """The driver's log while a local session runs (its work folder goes when it ends)."""
    folder = getattr(session.node_session.handle, "workdir", None)
    if not isinstance(folder, Path):
        return None
    path = folder / "driver.log"
    return path if path.is_file() else None


async def driver_log(request: web.Request) -> web.Response:
    """The last part of the driver's log, as plain text (never rendered as HTML)."""
    require_viewer(request)
    session_id = request.match_info["session_id"]
    live = _live(request, session_id, owner_scope(request))
    path = driver_log_path(live) if live is not None else None
    if path is None:
        raise web.HTTPNotFound(text="This session has no driver log here (it has ended, or "
                                    "its node keeps none).")
    text = await asyncio.to_thread(_tail, path, LOG_TAIL)
    response = web.Response(text=text, content_type="text/plain")
    secure_headers(request, response)
    return response


def _tail(path: Path, size: int) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read().decode("utf-8", "replace")


async def end_session(request: web.Request) -> web.Response:
    require_viewer(request)
    session_id = request.match_info["session_id"]
    live = _live(request, session_id, owner_scope(request))
    if live is None:
        return page(request, "missing.html", {"what": f"running session {session_id}"},
                    status=404)
    # shielded: the page's own poll may reload it mid-way, and a half-done end would leave
    # the node's screen and recorder running
    await asyncio.shield(request.app[DISTRIBUTOR].end_session(
        live, "it was ended from the dashboard", by=caller_of(request)))
    raise redirect(request, f"/ui/sessions/{session_id}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/sessions", list_page)
    app.router.add_get("/ui/sessions/{session_id}", detail_page)
    app.router.add_post("/ui/sessions/{session_id}/end", end_session)
    app.router.add_get("/ui/sessions/{session_id}/driver-log", driver_log)
