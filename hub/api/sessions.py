"""/api/sessions: session history and control for people and the dashboard.

Rows come from the database (this hub and any other sharing it); ending a session acts on
the live one in this hub. Another user's session answers 404, as if it did not exist.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import (
    json_response,
    owner_scope,
    parse_int,
    parse_limit,
    parse_time,
    read_body,
)
from hub.api.contract import Answer, operation
from hub.api.errors import ApiError, BadRequest, Conflict, NotFound
from hub.callers import caller_of
from hub.db import sessions as history
from hub.db.recordings import owner_id_of
from hub.grid.matching import normalise_browser
from hub.grid.session import Session
from hub.keys import DATABASE, DB_WRITER, DISTRIBUTOR, GRID, REGISTRY, SETTINGS
from hub.urls import public_base
from hub.w3c import routes as w3c
from hub.w3c.capabilities import process_capabilities
from hub.w3c.errors import SessionNotCreated, WebDriverError


def _live(request: web.Request, session_id: str, scope: int | None) -> Session | None:
    session = request.app[REGISTRY].find(session_id)
    if session is None or (scope is not None and owner_id_of(session.owner) != scope):
        return None
    return session


async def _row(request: web.Request, scope: int | None) -> dict[str, Any]:
    await request.app[DB_WRITER].flush(within=5)
    row = await history.get_session(request.app[DATABASE], request.match_info["session_id"],
                                    owner_id=scope)
    if row is None:
        raise NotFound(f"no such session: {request.match_info['session_id']}")
    return row


@operation("Session history, newest first (users: their own; admins: all)", tag="sessions",
           query=s.SessionQuery, answers={200: Answer("the sessions", s.SessionList)})
async def list_sessions(request: web.Request) -> web.Response:
    scope = owner_scope(request)
    wanted = parse_int(request, "user")
    if scope is not None and wanted not in (None, scope):
        return json_response({"items": []})
    state = request.query.get("state") or None
    if state is not None and state not in history.STATES:
        raise BadRequest(f"state must be one of {', '.join(history.STATES)}")
    query = history.SessionFilter(
        owner_id=scope if scope is not None else wanted, state=state,
        browser=request.query.get("browser") or None, start=parse_time(request, "from"),
        end=parse_time(request, "to"), name=request.query.get("name") or None,
        limit=parse_limit(request), offset=parse_int(request, "offset") or 0,
    )
    await request.app[DB_WRITER].flush(within=5)
    return json_response({"items": await history.list_sessions(request.app[DATABASE], query)})


@operation("One session", tag="sessions", answers={
    200: Answer("the session", s.SessionRow),
    404: Answer("no such session of the caller's", s.Error)})
async def get_session(request: web.Request) -> web.Response:
    return json_response(await _row(request, owner_scope(request)))


@operation("End a running session", tag="sessions", answers={
    204: Answer("ended"), 404: Answer("no such session of the caller's", s.Error),
    409: Answer("the session is not running on this hub", s.Error)})
async def delete_session(request: web.Request) -> web.Response:
    scope = owner_scope(request)
    session = _live(request, request.match_info["session_id"], scope)
    if session is None:
        row = await _row(request, scope)
        raise Conflict(f"session {row['id']} is not running on this hub ({row['state']})",
                       code="not_running")
    # shielded, as the W3C quit is: a client gone mid-way must not leave half an end behind
    await asyncio.shield(request.app[DISTRIBUTOR].end_session(
        session, "it was ended through the API", by=caller_of(request)))
    return web.Response(status=204)


@operation("Set a session's test status or name", tag="sessions", body=s.SessionChanges,
           answers={200: Answer("the session as changed", s.SessionRow),
                     404: Answer("no such session of the caller's", s.Error)})
async def patch_session(request: web.Request) -> web.Response:
    scope = owner_scope(request)
    body = await read_body(request)
    values: dict[str, Any] = {}
    for field, column, limit in (("testStatus", "test_status", 32), ("name", "test_name", 255)):
        if field in body:
            value = body[field]
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise BadRequest(f"{field} must be a string of at most {limit} characters")
            values[column] = value
    if not values:
        raise BadRequest("send testStatus and/or name")
    await _row(request, scope)
    row = await history.update_session(request.app[DATABASE], request.match_info["session_id"],
                                       **values)
    if row is None:
        raise NotFound(f"no such session: {request.match_info['session_id']}")
    return json_response(row)


def capabilities_from(body: dict[str, Any]) -> dict[str, Any]:
    """``{browserType, browserVersion?, platformName?, capabilities?, ...options}`` as W3C
    capabilities; the remaining keys are TGGrid session options (name, enableVNC, ...)."""
    body = dict(body)
    caps: dict[str, Any] = {"browserName": normalise_browser(str(body.pop("browserType",
                                                                         "chrome")))}
    for key in ("browserVersion", "platformName"):
        if key in body:
            caps[key] = body.pop(key)
    extra = body.pop("capabilities", {})
    if not isinstance(extra, dict):
        raise BadRequest("capabilities must be an object")
    caps.update(extra)
    if body:
        options = caps.get("tggrid:options", {})
        if not isinstance(options, dict):
            raise BadRequest("capabilities['tggrid:options'] must be an object")
        caps["tggrid:options"] = {**options, **body}
    return caps


async def start_session(request: web.Request, caps: dict[str, Any]) -> Session:
    """A session for the caller from API-style capabilities (also the dashboard's "Start a
    browser"), through the grid's one submit path; bad input is a 400, capabilities no node
    offers a 422, a grid that cannot serve it now a 503."""
    try:
        pending = w3c.session_request(
            request, process_capabilities({"capabilities": {"alwaysMatch": caps}}))
    except SessionNotCreated as error:  # no node offers this: asking again will not help
        raise ApiError(error.message, code="unsatisfiable", status=422) from None
    except WebDriverError as error:
        raise BadRequest(error.message, code=error.code.replace(" ", "_")) from None
    try:
        session = await request.app[GRID].submit(pending)
    except WebDriverError as error:
        status = 400 if error.status == 400 else 503
        raise ApiError(error.message, code=error.code.replace(" ", "_"), status=status) from None
    w3c.announce(request, session)
    return session


@operation("Start a browser session", tag="sessions", body=s.CreateSession, answers={
    201: Answer("the session, with its WebDriver, CDP and VNC addresses", s.CreatedSession),
    422: Answer("no node offers these capabilities", s.Error),
    503: Answer("no node could start it in time, or the hub takes no new sessions", s.Error)})
async def create_session(request: web.Request) -> web.Response:
    session = await start_session(request, capabilities_from(await read_body(request)))
    capabilities = session.capabilities
    base = public_base(request, request.app[SETTINGS].public_url)
    return json_response({
        "sessionId": session.id, "webdriverUrl": f"{base}/wd/hub",
        "capabilities": capabilities, "cdpUrl": capabilities.get("se:cdp"),
        "vncUrl": capabilities.get("se:vnc"),
    }, status=201)


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/sessions", list_sessions)
    router.add_post("/api/sessions/create", create_session)
    router.add_get("/api/sessions/{session_id}", get_session)
    router.add_delete("/api/sessions/{session_id}", delete_session)
    router.add_patch("/api/sessions/{session_id}", patch_session)
