"""Render every failure on the WebDriver surface as a W3C error object."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.untrusted import request_id
from hub.w3c.errors import UnknownCommand, UnknownError, UnknownMethod, WebDriverError

log = logging.getLogger(__name__)
WEBDRIVER_PREFIXES = ("/session", "/wd/hub", "/status", "/se/")


def is_webdriver_path(path: str) -> bool:
    return path.startswith(WEBDRIVER_PREFIXES)


@web.middleware
async def webdriver_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
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
