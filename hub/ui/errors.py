"""Error pages for /ui: any HTTP error a page raises (403, 404, 400 for a bad filter, 405 for a
GET of a form's address, a refused CSRF token) is a styled page with the navigation."""

from __future__ import annotations

from collections.abc import Awaitable

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.ui.render import page

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found",
          405: "Not a page", 413: "Too large"}
DEFAULTS = {
    400: "The address asks for something this page does not understand.",
    403: "This page is not for your account.",
    404: "There is no such page.",
    405: "This address takes a form, not a visit; open the page it belongs to instead.",
}


def _message(error: web.HTTPException) -> str:
    text = (error.text or "").strip()
    if not text or text == f"{error.status}: {error.reason}":
        return DEFAULTS.get(error.status, error.reason)
    return text.removeprefix(f"{error.status} {error.reason}: ")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return page(request, "error.html", {
        "status": status, "title": TITLES.get(status, "Something went wrong"),
        "message": message}, status=status)


@web.middleware
def styled_errors(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Not a coroutine: requests outside /ui pass with no extra frame."""
    if request.path == "/ui" or request.path.startswith("/ui/"):
        return _styled(request, handler)
    return handler(request)


async def _styled(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or request.path.startswith("/ui/static/"):
            raise
        response = error_page(request, error.status, _message(error))
        if error.status == 405 and "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response
