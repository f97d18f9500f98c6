"""Render every failure on the WebDriver surface as a W3C error object, and give every
WebDriver answer the headers the spec's "send a response" requires."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.untrusted import request_id
from hub.w3c.errors import (
    WEBDRIVER_HEADERS,
    UnknownCommand,
    UnknownError,
    UnknownMethod,
    WebDriverError,
)

log = logging.getLogger(__name__)
WEBDRIVER_PREFIXES = ("/session", "/wd/hub", "/status", "/se/")


def is_webdriver_path(path: str) -> bool:
    return path.startswith(WEBDRIVER_PREFIXES)


def _with_spec_headers(response: web.StreamResponse) -> web.StreamResponse:
    """``Cache-Control: no-cache`` on every answer that lacks one; a JSON content type with
    its charset. A websocket or a streamed file was sent already and is left as it is."""
    if response.prepared:
        return response
    headers = response.headers
    headers.setdefault("Cache-Control", WEBDRIVER_HEADERS["Cache-Control"])
    if headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/json" \
            and "charset" not in headers["Content-Type"].lower():
        headers["Content-Type"] = WEBDRIVER_HEADERS["Content-Type"]
    return response


@web.middleware
async def webdriver_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
        return _with_spec_headers(response) if is_webdriver_path(request.path) else response
    except WebDriverError as error:
        return error.to_response()
    except web.HTTPNotFound:
        if not is_webdriver_path(request.path):
            raise
        return UnknownCommand(f"unknown command: {request.method} {request.path}").to_response()
    except web.HTTPMethodNotAllowed:
        if not is_webdriver_path(request.path):
            raise
        return UnknownMethod(
            f"unknown method {request.method} for {request.path}").to_response()
    except web.HTTPException:
        raise
    except Exception:
        if not is_webdriver_path(request.path):
            raise
        rid = request_id(request)
        log.exception("webdriver.unhandled request_id=%s path=%s", rid, request.path)
        return UnknownError(
            f"the hub failed; its log has the details under request id {rid}").to_response()
