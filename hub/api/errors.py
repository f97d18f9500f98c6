"""Errors on /api as values: ``{"error": code, "message": text}`` with a fitting status."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from typing import ClassVar

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.auth import errors as auth
from hub.untrusted import request_id
from hub.w3c.errors import Unauthorized
from hub.w3c.middleware import is_webdriver_path

log = logging.getLogger(__name__)


class ApiError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.error_code = code or self.code
        self.http_status = status or self.status

    def to_response(self) -> web.Response:
        return api_error_response(self.http_status, self.error_code, self.message)


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthenticated(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


# The status each account refusal gets (the first class in its MRO that is listed).
_AUTH_STATUS: dict[type[auth.AuthError], int] = {
    auth.BadTicket: 401, auth.InvalidInput: 400, auth.NotAuthenticated: 401,
    auth.NotAllowed: 403, auth.NoSuchAccount: 404, auth.AccountConflict: 409,
    auth.TooManyAttempts: 429,
}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="TGGrid", charset="UTF-8"'}


def http_status(error: ApiError | auth.AuthError) -> int:
    if isinstance(error, ApiError):
        return error.http_status
    return next((_AUTH_STATUS[kind] for kind in type(error).__mro__ if kind in _AUTH_STATUS),
                400)


def refuse_unauthenticated(request: web.Request, message: str) -> web.Response:
    """The auth middleware's answer to a request without valid credentials, in the error
    language of the surface it came in on: /api JSON, a W3C error (with a Basic challenge)
    on the WebDriver surface, JSON with a challenge anywhere else."""
    if request.path.startswith("/api"):
        return api_error_response(401, "unauthorized", message)
    if is_webdriver_path(request.path):
        return Unauthorized(message).to_response(headers=CHALLENGE)
    response = api_error_response(401, "unauthorized", message)
    response.headers.update(CHALLENGE)
    return response


def api_error_response(status: int, code: str, message: str, **extra: str) -> web.Response:
    return web.Response(status=status, content_type="application/json",
                        body=json.dumps({"error": code, "message": message, **extra}).encode())


@web.middleware
def api_errors(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Not a coroutine: every other path (each WebDriver command) passes with no extra frame."""
    if not request.path.startswith("/api"):
        return handler(request)
    return _render_api_errors(request, handler)


async def _render_api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error.to_response()
    except auth.AuthError as error:
        return api_error_response(http_status(error), error.error_code, error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return api_error_response(error.status, error.reason.lower().replace(" ", "_"),
                                  error.text or error.reason)
    except Exception:
        rid = request_id(request)
        log.exception("api.unhandled request_id=%s path=%s", rid, request.path)
        return api_error_response(
            500, "internal_error",
            f"the hub failed; its log has the details under request id {rid}", requestId=rid)
