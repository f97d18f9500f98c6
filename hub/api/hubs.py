"""/api/hubs: the hubs sharing this database and whether each is alive (admins; anyone on a
hub with auth off). Hosts and addresses are not for everyone, so not in /api/health."""

from __future__ import annotations

from aiohttp import web

from hub.api import schemas as s
from hub.api.common import json_response, owner_scope
from hub.api.contract import Answer, operation
from hub.api.errors import Forbidden
from hub.keys import HUB_ID, PRESENCE


@operation("The hubs sharing this database, and whether each is alive (admins)", tag="grid",
           answers={200: Answer("the hubs", {"type": "object"}),
                     403: Answer("not an admin", s.Error)})
async def list_hubs(request: web.Request) -> web.Response:
    if owner_scope(request) is not None:
        raise Forbidden("only an admin may list hubs", code="admin_required")
    found = await request.app[PRESENCE].list_hubs()
    return json_response({"self": request.app[HUB_ID],
                          "items": [hub.to_json(alive) for hub, alive in found]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/hubs", list_hubs)
