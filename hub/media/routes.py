"""Watching and downloading: the VNC websocket, videos, the recordings API, the viewer page.

Thin handlers: find the session or recording, check who asks (:mod:`hub.media.access`), hand
over to the bridge, the file response or the recording service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
import string
import urllib.parse
from pathlib import Path
from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.contract import Answer, operation
from hub.api.errors import ApiError, BadRequest, Conflict, NotFound
from hub.db.recordings import FAILED, RECORDING, RecordingInfo
from hub.grid.session import Session
from hub.keys import LINK_SIGNER, RECORDINGS, REGISTRY, SETTINGS
from hub.media import access
from hub.media.catalog import Search, aware
from hub.media.s3 import S3Error, is_remote
from hub.proxy.tcp_bridge import bridge, open_tcp
from hub.untrusted import UnsafeInput, read_json, row_id
from hub.urls import public_base, websocket_base
from hub.w3c.errors import UnknownError

log = logging.getLogger(__name__)

LIVE_PAGE = string.Template((Path(__file__).with_name("live.html")).read_text())
ASSETS_PATH = "/ui/media"


def _live(request: web.Request) -> tuple[str, Session | None]:
    session_id = request.match_info["session_id"]
    return session_id, request.app[REGISTRY].find(session_id)


def _bases(request: web.Request) -> tuple[str, str]:
    public_url = request.app[SETTINGS].public_url
    return public_base(request, public_url), websocket_base(request, public_url)


# -- VNC -------------------------------------------------------------------------------------

@operation("The session's screen over VNC (RFB in binary websocket frames)", tag="media",
           description="A websocket: send the upgrade headers. A signed link (exp, sig from "
           "POST /api/sessions/{session_id}/links) works without credentials.",
           answers={101: Answer("switching to the websocket"),
                     404: Answer("no such running session of the caller's, no VNC screen, or "
                                 "not a websocket request", s.Error),
                     502: Answer("the session's VNC server does not answer", s.Error)})
async def vnc_socket(request: web.Request) -> web.StreamResponse:
    session_id, session = _live(request)
    if session is None or not access.may_view(request, session_id, session.owner):
        raise access.missing(request, f"no running session {session_id}")
    address = session.node_session.endpoints.get("vnc")
    if not address:
        raise access.missing(request, f"session {session_id} has no VNC screen; "
                                      "ask for it with tggrid:options.enableVNC")
    heartbeat = getattr(request.app[SETTINGS], "websocket_heartbeat", 30.0) or None
    ws = web.WebSocketResponse(protocols=("binary",), heartbeat=heartbeat, compress=False)
    if not ws.can_prepare(request).ok:
        raise access.missing(request, "this URL takes a websocket (RFB over binary frames)")
    try:
        reader, writer = await open_tcp(address)
    except (OSError, TimeoutError) as error:
        message = f"the session's VNC server does not answer: {error}"
        if request.path.startswith("/api"):
            raise ApiError(message, code="vnc_unavailable", status=502) from None
        raise UnknownError(message) from None
    await ws.prepare(request)
    log.info("vnc.opened id=%s", session_id)
    reason = await bridge(ws, reader, writer)
    log.info("vnc.closed id=%s reason=%s", session_id, reason)
    return ws


# -- video -----------------------------------------------------------------------------------

@operation("The session's video (MP4; range requests supported)", tag="media",
           description="A signed link (exp, sig) works without credentials.",
           answers={200: Answer("the video", {"type": "string", "contentMediaType": "video/mp4"},
                                "video/mp4"),
                     206: Answer("part of the video", {"type": "string"}, "video/mp4"),
                     404: Answer("no such session or recording of the caller's, or the "
                                 "session is not recorded (code not_recorded: it did not ask, "
                                 "or its node, a relay, records no video)", s.Error),
                     409: Answer("still being recorded", s.Error),
                     416: Answer("the range is outside the file")})
async def session_video(request: web.Request) -> web.StreamResponse:
    session_id, session = _live(request)
    service = request.app[RECORDINGS]
    info = await service.catalog.for_session(session_id)
    owner = info.owner_id if info else (session.owner if session else None)
    if (info is None and session is None) or not access.may_view(request, session_id, owner):
        raise NotFound(f"no recording for session {session_id}")
    if service.busy(session_id) or (info is not None and info.status == RECORDING):
        raise Conflict(f"session {session_id} is still being recorded; the video is there "
                       "once the session has ended", code="still_recording")
    if info is None:
        raise NotFound(_not_recorded(session_id, session), code="not_recorded")
    if info.status == FAILED:
        raise NotFound(f"the recording of session {session_id} failed: {info.error}",
                       code="recording_failed")
    headers = {"Content-Type": "video/mp4", "Cache-Control": "private, no-cache",
               "Content-Disposition": f'inline; filename="{info.name}"'}
    if is_remote(info.path):
        return await _from_bucket(request, info, headers)
    path = Path(info.path)
    if not await asyncio.to_thread(path.is_file):
        raise NotFound(f"the video file of session {session_id} is gone")
    return web.FileResponse(path, headers=headers)


def _not_recorded(session_id: str, session: Session | None) -> str:
    """Why a running session has no video: it did not ask, or its node films nothing."""
    if session is None or not session.options.enable_video:
        return (f"session {session_id} is not recorded; ask for a video with "
                "tggrid:options.enableVideo")
    node = session.slots.node
    return (f"session {session_id} is not recorded: its node {node.id} ({node.kind}) records "
            "no video, so there will be none")


async def _from_bucket(request: web.Request, info: RecordingInfo,
                       headers: dict[str, str]) -> web.StreamResponse:
    """The video from S3, the client's Range passed through (206/416 as from a file)."""
    uploader = request.app[RECORDINGS].uploader
    if uploader is None:
        raise NotFound(f"the video of session {info.session_id} is in {info.path}, and this "
                       "hub does not use recording_storage = s3")
    try:
        answer = await uploader.store.download(uploader.store.key_of(info.path),
                                               request.headers.get("Range"))
    except S3Error as error:
        raise ApiError(f"the video storage does not answer: {error}", code="storage_unavailable",
                       status=502) from None
    if answer.status == 404:
        raise NotFound(f"the video file of session {info.session_id} is gone")
    response = web.StreamResponse(status=answer.status, headers={**headers, **answer.headers})
    if answer.body is None:
        return response
    await response.prepare(request)
    async for chunk in answer.chunks():
        await response.write(chunk)
    await response.write_eof()
    return response


# -- recordings API ---------------------------------------------------------------------------

def _moment(request: web.Request, name: str) -> dt.datetime | None:
    text = request.query.get(name, "").strip()
    if not text:
        return None
    try:
        if text.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        return aware(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise BadRequest(f"{name!r} must be an ISO 8601 time or Unix seconds, got {text!r}"
                         ) from None


def render(request: web.Request, info: RecordingInfo) -> dict[str, Any]:
    base, _ = _bases(request)
    return {**info.to_json(),
            "recording": request.app[RECORDINGS].busy(info.session_id),
            "videoUrl": f"{base}/api/sessions/{info.session_id}/video"}


@operation("Recordings (users: their own; admins: all)", tag="media",
           query=s.RecordingQuery, answers={200: Answer("the recordings", s.RecordingList)})
async def list_recordings(request: web.Request) -> web.Response:
    scope = access.owner_scope(request)
    wanted = request.query.get("user", "").strip()
    if wanted:
        user_id = row_id(wanted)
        if user_id is None:
            raise BadRequest(f"'user' must be a user id, got {wanted[:40]!r}")
        if scope is not None and user_id != scope:
            return web.json_response({"recordings": []})
        scope = user_id
    query = Search(owner_id=scope, since=_moment(request, "from"), until=_moment(request, "to"),
                   name=request.query.get("name") or None,
                   status=request.query.get("status") or None)
    found = await request.app[RECORDINGS].catalog.search(query)
    return web.json_response({"recordings": [render(request, info) for info in found]})


async def _owned_recording(request: web.Request) -> RecordingInfo:
    recording_id = request.match_info["recording_id"]
    info = await request.app[RECORDINGS].catalog.get(
        recording_id, owner_id=access.owner_scope(request))
    if info is None:
        raise NotFound(f"no recording {recording_id}")
    return info


@operation("One recording", tag="media", answers={
    200: Answer("the recording", {"type": "object"}), 404: Answer("no such recording", s.Error)})
async def get_recording(request: web.Request) -> web.Response:
    return web.json_response(render(request, await _owned_recording(request)))


@operation("Delete a recording and its file", tag="media", answers={
    204: Answer("deleted"), 404: Answer("no such recording", s.Error),
    409: Answer("still being recorded", s.Error)})
async def delete_recording(request: web.Request) -> web.Response:
    info = await _owned_recording(request)
    service = request.app[RECORDINGS]
    if service.busy(info.session_id):
        raise Conflict(f"recording {info.id} is still being recorded", code="still_recording")
    try:
        await service.delete(info)
    except S3Error as error:
        raise ApiError(f"the video storage does not answer: {error}", code="storage_unavailable",
                       status=502) from None
    return web.Response(status=204)


@operation("Signed view links for CI reports (owner or admin)", tag="media",
           body=s.LinkRequest, body_required=False, answers={
               200: Answer("links to the live viewer, the VNC socket and the video", s.Links),
               404: Answer("no such session or recording of the caller's", s.Error)})
async def create_links(request: web.Request) -> web.Response:
    """Signed view links for CI reports; only the owner (or an admin) may mint them."""
    session_id, session = _live(request)
    info = await request.app[RECORDINGS].catalog.for_session(session_id)
    owner = session.owner if session else (info.owner_id if info else None)
    if (session is None and info is None) or not access.by_user(request, owner):
        raise NotFound(f"no session or recording {session_id}")
    ttl = request.app[SETTINGS].view_link_ttl
    try:
        body = await read_json(request, empty={})
    except UnsafeInput:
        raise BadRequest("the body must be JSON, e.g. {\"ttl\": 3600}") from None
    if isinstance(body, dict) and body.get("ttl") is not None:
        asked = body["ttl"]
        if isinstance(asked, bool) or not isinstance(asked, int | float) or asked <= 0:
            raise BadRequest(f"'ttl' must be a positive number of seconds, got {asked!r}")
        ttl = min(ttl, float(asked))
    query = request.app[LINK_SIGNER].query(session_id, ttl)
    suffix = "?" + urllib.parse.urlencode(query)
    base, ws = _bases(request)
    expires = dt.datetime.fromtimestamp(int(query["exp"]), dt.UTC)
    return web.json_response({
        "expires": expires.isoformat(),
        "viewer": f"{base}/ui/sessions/{session_id}/live{suffix}",
        "vnc": f"{ws}/api/sessions/{session_id}/vnc{suffix}",
        "video": f"{base}/api/sessions/{session_id}/video{suffix}",
    })


# -- viewer page -----------------------------------------------------------------------------

async def live_page(request: web.Request) -> web.Response:
    session_id, session = _live(request)
    if session is None or not access.may_view(request, session_id, session.owner):
        raise web.HTTPNotFound(text=f"session {session_id} is not running")
    base, ws = _bases(request)
    url = f"{ws}/api/sessions/{session_id}/vnc"
    if access.signed(request, session_id):
        url += "?" + urllib.parse.urlencode(
            {key: request.query[key] for key in ("exp", "sig")})
    config = {"sessionId": session_id, "url": url, "novnc": f"{base}/ui/novnc",
              "viewOnly": request.query.get("viewOnly", "") in {"1", "true"}}
    page = LIVE_PAGE.safe_substitute(
        title=html.escape(session_id), assets=base + ASSETS_PATH,
        config=json.dumps(config).replace("<", "\\u003c"))
    return web.Response(text=page, content_type="text/html", headers={
        "Cache-Control": "no-store", "Content-Security-Policy": _live_page_policy(request),
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


def _live_page_policy(request: web.Request) -> str:
    """Script and style only from the hub's own files; the VNC websocket the one connection.
    The signed link sits in the page's URL, so no referrer may carry it elsewhere."""
    host = request.host
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/session/{session_id}/se/vnc", vnc_socket, name="media.vnc")
    router.add_get("/wd/hub/session/{session_id}/se/vnc", vnc_socket, name="media.wd_vnc")
    router.add_get("/api/sessions/{session_id}/vnc", vnc_socket, name="media.api_vnc")
    router.add_get("/api/sessions/{session_id}/video", session_video, name="media.video")
    router.add_post("/api/sessions/{session_id}/links", create_links)
    router.add_get("/api/recordings", list_recordings)
    router.add_get("/api/recordings/{recording_id}", get_recording)
    router.add_delete("/api/recordings/{recording_id}", delete_recording)
    router.add_get("/ui/sessions/{session_id}/live", live_page, name="media.live")
    router.add_static(ASSETS_PATH, Path(__file__).with_name("static"))
    novnc = Path(app[SETTINGS].novnc_dir)
    if (novnc / "core" / "rfb.js").is_file():
        router.add_static("/ui/novnc", novnc)
    else:
        log.warning("media.novnc_missing dir=%s (install Debian's novnc for the viewer)", novnc)
