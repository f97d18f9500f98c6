"""The hub's public address: the base of every URL handed to clients.

Clients must never be given a node's private address. With ``public_url`` set, it is used as
is (keeping any sub-path and https/wss); otherwise the URL the client used to reach the hub.
"""

from __future__ import annotations

from aiohttp import web


def public_base(request: web.Request, public_url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash."""
    if public_url:
        return public_url.rstrip("/")
    return f"{request.scheme}://{request.host}"


def websocket_base(request: web.Request, public_url: str) -> str:
    base = public_base(request, public_url)
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):]
    return "ws://" + base[len("http://"):]
