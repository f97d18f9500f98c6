"""W3C WebDriver errors as values.

Raise a subclass anywhere below a route; one middleware renders it as
``{"value": {"error", "message", "stacktrace"}}`` with the spec's HTTP status::

    WebDriverError
    ├── InvalidArgument        400 invalid argument
    ├── InvalidSessionId       404 invalid session id
    ├── UnknownCommand         404 unknown command
    ├── UnknownMethod          405 unknown method
    ├── SessionNotCreated      500 session not created
    ├── UnknownError           500 unknown error
    └── Unauthorized           401 unauthorized (hub-specific: no or bad credentials)
"""

from __future__ import annotations

import json
from typing import ClassVar

from aiohttp import web


class WebDriverError(Exception):
    """Base: carries the W3C error code and its HTTP status."""

    code: ClassVar[str] = "unknown error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, stacktrace: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.stacktrace = stacktrace

    def to_json(self) -> dict[str, dict[str, str]]:
        return {"value": {"error": self.code, "message": self.message,
                          "stacktrace": self.stacktrace}}

    def to_response(self, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            status=self.status,
            body=json.dumps(self.to_json()).encode(),
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )


class InvalidArgument(WebDriverError):
    code = "invalid argument"
    status = 400


class InvalidSessionId(WebDriverError):
    code = "invalid session id"
    status = 404


class UnknownCommand(WebDriverError):
    code = "unknown command"
    status = 404


class UnknownMethod(WebDriverError):
    code = "unknown method"
    status = 405


class SessionNotCreated(WebDriverError):
    code = "session not created"
    status = 500


class UnknownError(WebDriverError):
    code = "unknown error"
    status = 500


class Unauthorized(WebDriverError):
    code = "unauthorized"
    status = 401
