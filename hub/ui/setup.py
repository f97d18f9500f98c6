"""Wire the dashboard into the hub: templates, static files, middlewares, routes.

The /ui pages are public to the auth middleware (it still reads the session cookie); each page
decides itself, sending anonymous visitors to the sign-in page instead of a 401.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from hub.keys import PUBLIC_PATHS
from hub.ui import account, csrf, errors, grid, history, manual, sessions, signin, users
from hub.ui.render import when

HERE = Path(__file__).parent


@web.middleware
def browser_entry(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """``GET /`` from a browser goes to the dashboard; WebDriver clients never ask for HTML.
    Not a coroutine, so every other request passes with no extra frame."""
    if (request.path == "/" and request.method == "GET"
            and "text/html" in request.headers.get("Accept", "")):
        raise web.HTTPFound("/ui/")
    return handler(request)


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ui/sessions")


async def favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(HERE / "static" / "favicon.ico",
                            headers={"Content-Type": "image/x-icon",
                                     "Cache-Control": "max-age=86400"})


def setup(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=jinja2.select_autoescape(default=True),
                         filters={"when": when})
    if PUBLIC_PATHS not in app:
        app[PUBLIC_PATHS] = []
    app[PUBLIC_PATHS] += ["/ui", "/favicon.ico"]
    app.middlewares.insert(0, browser_entry)
    app.middlewares.insert(1, errors.styled_errors)
    app.middlewares.append(csrf.protect)
    app.router.add_get("/ui", home)
    app.router.add_get("/ui/", home)
    app.router.add_static("/ui/static", HERE / "static")
    app.router.add_get("/favicon.ico", favicon)
    for module in (signin, account, manual, sessions, grid, history, users):
        module.add_routes(app)
