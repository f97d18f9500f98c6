"""/api/tokens: a user's API tokens (the secret is shown once, at creation)."""

from __future__ import annotations

from aiohttp import web

from hub.api import schemas as s
from hub.api.auth_routes import REAUTHENTICATION, confirm_recent
from hub.api.common import current_user, json_response, path_id, read_body, text_field
from hub.api.contract import Answer, operation
from hub.api.errors import NotFound
from hub.callers import caller_of
from hub.db import users
from hub.keys import ACCOUNTS, DATABASE


@operation("Create an API token", tag="tokens", body=s.NewToken, answers={
    201: Answer("the token, with its secret shown this once", s.CreatedToken),
    **REAUTHENTICATION})
async def create_token(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_body(request)
    await confirm_recent(request, body)
    info, token = await request.app[ACCOUNTS].create_token(
        user, text_field(body, "name"), caller_of(request))
    return json_response({**info.to_json(), "token": token}, status=201)


@operation("The caller's API tokens", tag="tokens", answers={
    200: Answer("the tokens, without secrets", s.TokenList)})
async def list_tokens(request: web.Request) -> web.Response:
    user = current_user(request)
    found = await users.list_tokens(request.app[DATABASE], user.id)
    return json_response({"items": [token.to_json() for token in found]})


@operation("Revoke one of the caller's API tokens", tag="tokens", ids=("token_id",),
           answers={204: Answer("revoked"), 404: Answer("no such token of the caller's", s.Error)})
async def revoke_token(request: web.Request) -> web.Response:
    user = current_user(request)
    token_id = path_id(request, "token_id", "token")
    if not await request.app[ACCOUNTS].revoke_token(user, token_id, caller_of(request)):
        raise NotFound("no such token")
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tokens", create_token)
    app.router.add_get("/api/tokens", list_tokens)
    app.router.add_delete("/api/tokens/{token_id}", revoke_token)
