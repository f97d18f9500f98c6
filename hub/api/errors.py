"""Errors on /api as values: ``{"error": code, "message": text}`` with a fitting status."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from typing import ClassVar

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.untrusted import request_id

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
