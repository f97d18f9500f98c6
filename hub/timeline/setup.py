"""Wire the session timeline into the hub: ``setup(app)`` is one line in app.features().

With ``timeline = on`` the command proxy and the websocket bridges hand what they capture to
the :class:`Timeline`; its steps live beside the recordings and go when the recording goes
(deleted through the API or by retention). The route exists either way, so the API document
does not depend on a setting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.background import cancel_and_wait, every
from hub.keys import BRIDGES, PROXY, RECORDINGS, REGISTRY, SETTINGS
from hub.media.setup import recording_path
from hub.timeline import routes
from hub.timeline.masking import Masker
from hub.timeline.recorder import Timeline
from hub.timeline.store import StepStore

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 24 * 3600.0


async def _sweep(store: StepStore, days: float) -> None:
    removed = await asyncio.to_thread(store.sweep, days)
    if removed:
        log.info("timeline.retention removed=%d days=%g", removed, days)


async def _timeline_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.timeline != "on":
        yield
        return
    store = StepStore(recording_path(settings))
    timeline = Timeline(store, Masker(settings.timeline_secret_patterns,
                                      show_typed=settings.timeline_show_typed_text))
    app[routes.TIMELINE] = timeline
    app[REGISTRY].subscribe(timeline)
    recordings = app.get(RECORDINGS)
    if recordings is not None:
        recordings.deleted_listeners.append(store.delete)
    timeline.start()
    app[PROXY].steps = timeline.command
    if BRIDGES in app:
        app[BRIDGES].tap = timeline.frame
    days = settings.recording_retention_days
    retention = asyncio.create_task(
        every(RETENTION_INTERVAL, lambda: _sweep(store, days), "timeline.retention_failed",
              first=True), name="timeline-retention")
    yield
    app[PROXY].steps = None
    if BRIDGES in app:
        app[BRIDGES].tap = None
    await cancel_and_wait([retention])
    await timeline.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_timeline_ctx)
    routes.add_routes(app)
