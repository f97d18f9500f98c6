"""Where a Chromium's browser-level DevTools websocket is, asked of its ``/json/version``.

Used by the CDP bridge (``hub.cdp``) and the screencast recorder (``hub.media``).
"""

from __future__ import annotations

import aiohttp
from yarl import URL

DISCOVERY_TIMEOUT = 10.0


class DebuggerUnreachable(Exception):
    """The browser's DevTools endpoint did not say where its websocket is."""


async def browser_websocket(client: aiohttp.ClientSession, http: str) -> str:
    """The browser target's websocket behind ``http`` (``http://host:port``).

    Only the path is taken from the answer: the browser names itself by the address it
    listens on, which behind a container's port mapping is not the one the hub reaches.
    """
    try:
        async with client.get(f"{http}/json/version",
                              timeout=aiohttp.ClientTimeout(total=DISCOVERY_TIMEOUT)) as response:
            info = await response.json(content_type=None)
        path = URL(info["webSocketDebuggerUrl"]).raw_path
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError, KeyError, TypeError) as error:
        raise DebuggerUnreachable(f"{http}/json/version: {type(error).__name__}: {error}") \
            from None
    address = URL(http)
    return str(URL.build(scheme="ws", host=address.raw_host or "127.0.0.1", port=address.port,
                         encoded=True, path=path))
