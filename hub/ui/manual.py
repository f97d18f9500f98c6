"""Start a browser by hand from the dashboard (as Selenoid's UI does): any browser the grid
offers, with a live screen and, if asked, a recording. The session is the person's own,
goes through the same queue as a test's, and opens on its page to be watched and driven."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.errors import ApiError
from hub.api.sessions import start_session
from hub.keys import DISTRIBUTOR
from hub.ui.render import form_of, page, redirect, require_viewer

SCREENS = ("1280x800", "1366x768", "1920x1080", "1024x768")
# Nobody sends WebDriver commands to a manual session: it ends after this much quiet.
IDLE_TIMEOUT = 1800


def offers(request: web.Request) -> list[dict[str, str]]:
    """Every browser (name, version, platform) some node of this hub offers, once each."""
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    for slots in request.app[DISTRIBUTOR].nodes.values():
        for stereo in slots.node.stereotypes:
            key = (str(stereo.get("browserName", "")), str(stereo.get("browserVersion", "")),
                   str(stereo.get("platformName", "")))
            if key[0]:
                seen[key] = {"browserName": key[0], "browserVersion": key[1],
                             "platformName": key[2],
                             "label": " ".join(part for part in key if part)}
    return [seen[key] for key in sorted(seen)]


def _form_page(request: web.Request, values: dict[str, Any], *, error: str | None = None,
               status: int = 200) -> web.Response:
    return page(request, "manual.html", {"offers": offers(request), "screens": SCREENS,
                                         "values": values, "error": error}, status=status)


async def new_page(request: web.Request) -> web.Response:
    require_viewer(request)
    return _form_page(request, {"browser": "0", "screen": SCREENS[0], "video": True,
                                "name": ""})


async def start(request: web.Request) -> web.Response:
    require_viewer(request)
    form = await form_of(request)
    browser = form.get("browser", "")
    values: dict[str, Any] = {
        "browser": browser, "screen": form.get("screen", ""),
        "video": form.get("video") == "on", "name": form.get("name", "").strip()[:200]}
    offered = offers(request)
    try:
        chosen = offered[int(browser)]
    except (ValueError, IndexError):
        raise web.HTTPBadRequest(text="Pick one of the browsers this grid offers.") from None
    if values["screen"] not in SCREENS:
        raise web.HTTPBadRequest(text=f"The screen must be one of {', '.join(SCREENS)}.")
    caps: dict[str, Any] = {key: chosen[key] for key in
                            ("browserName", "browserVersion", "platformName") if chosen[key]}
    caps["tggrid:options"] = {
        "name": values["name"] or f"manual {chosen['label']}", "enableVNC": True,
        "enableVideo": values["video"], "screenResolution": values["screen"],
        "idleTimeout": IDLE_TIMEOUT}
    try:
        session = await start_session(request, caps)
    except ApiError as error:  # nothing was started: the form again, with why
        return _form_page(request, values, error=f"The browser did not start: {error.message}",
                          status=error.http_status)
    raise redirect(request, f"/ui/sessions/{session.id}?manual=1")


def add_routes(app: web.Application) -> None:
    """Before the session pages, so ``new`` is not taken for a session id."""
    app.router.add_get("/ui/sessions/new", new_page)
    app.router.add_post("/ui/sessions/new", start)
