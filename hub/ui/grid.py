"""Grid pages: nodes with the queue, and the admin settings (balancer, autoscaling).

The numbers come from the JSON APIs (/api/nodes, /api/loadbalancer/stats,
/api/config/auto-scaling, the new-session queue), read and changed by the page's script
with the CSRF header; the page itself only frames them.
"""

from __future__ import annotations

from aiohttp import web

from hub.ui.render import page, require_admin, require_viewer


async def nodes_page(request: web.Request) -> web.Response:
    require_viewer(request)
    return page(request, "nodes.html")


async def settings_page(request: web.Request) -> web.Response:
    require_admin(request)
    return page(request, "settings.html",
                {"algorithms": ["round-robin", "least-connections", "resource-based"]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ui/nodes", nodes_page)
    app.router.add_get("/ui/settings", settings_page)
