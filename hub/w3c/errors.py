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
    ├── Unauthorized           401 unauthorized (hub-specific: no or bad credentials)
    └── (one class per other code of the spec's table, made by ``error_for``)

Every WebDriver response carries ``Content-Type: application/json; charset=utf-8`` and
``Cache-Control: no-cache`` ("send a response" in the spec): ``WEBDRIVER_HEADERS``.
"""

from __future__ import annotations

import json
from typing import ClassVar

from aiohttp import web

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
WEBDRIVER_HEADERS = {"Content-Type": JSON_CONTENT_TYPE, "Cache-Control": "no-cache"}


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
            headers={**WEBDRIVER_HEADERS, **(headers or {})},
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


# The spec's table of error codes and their HTTP status ("Errors", W3C WebDriver 2).
SPEC_STATUS = {
    "element click intercepted": 400, "element not interactable": 400,
    "insecure certificate": 400, "invalid argument": 400, "invalid cookie domain": 400,
    "invalid element state": 400, "invalid selector": 400, "invalid session id": 404,
    "javascript error": 500, "move target out of bounds": 500, "no such alert": 404,
    "no such cookie": 404, "no such element": 404, "no such frame": 404,
    "no such window": 404, "no such shadow root": 404, "script timeout": 500,
    "session not created": 500, "stale element reference": 404, "detached shadow root": 404,
    "timeout": 500, "unable to set cookie": 500, "unable to capture screen": 500,
    "unexpected alert open": 500, "unknown command": 404, "unknown error": 500,
    "unknown method": 405, "unsupported operation": 500,
}
_BY_CODE: dict[str, type[WebDriverError]] = {
    cls.code: cls for cls in (InvalidArgument, InvalidSessionId, UnknownCommand, UnknownMethod,
                              SessionNotCreated, UnknownError)
}
for _code, _status in SPEC_STATUS.items():
    _BY_CODE.setdefault(_code, type(
        "".join(word.title() for word in _code.split()), (WebDriverError,),
        {"code": _code, "status": _status, "__doc__": f"{_status} {_code}"}))


def error_for(code: object, message: str, stacktrace: str = "",
              fallback: type[WebDriverError] = SessionNotCreated) -> WebDriverError:
    """The error a driver answered with, code and status kept; ``fallback`` for a code the
    spec does not have (a driver's own invention, or no code at all)."""
    cls = _BY_CODE.get(code, fallback) if isinstance(code, str) else fallback
    return cls(message, stacktrace)
