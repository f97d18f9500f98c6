"""Wire screens, VNC and recording into the hub: ``setup(app)`` is one line in app.features()."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from hub.auth.secret_box import load_key
from hub.config import Settings
from hub.db.presence import HubStates
from hub.grid.session import Session
from hub.keys import (
    ACCESS_GRANTS,
    CAPABILITY_HOOKS,
    DATABASE,
    HUB_ID,
    LINK_SIGNER,
    MEDIA,
    PRESENCE,
    PUBLIC_PATHS,
    RECORDINGS,
    REGISTRY,
    SETTINGS,
)
from hub.media import access, routes
from hub.media.catalog import DbCatalog, JsonCatalog, RecordingCatalog
from hub.media.provider import MediaProvider
from hub.media.s3 import S3Settings, S3Store
from hub.media.service import RecordingService
from hub.media.signing import LinkSigner
from hub.media.uploads import Uploader
from hub.urls import public_base, websocket_base

log = logging.getLogger(__name__)

RETENTION_INTERVAL = 24 * 3600.0


def recording_path(settings: Settings) -> Path:
    return Path(settings.recording_dir).expanduser() if settings.recording_dir else (
        settings.data_path / "recordings")


def add_capabilities(request: web.Request, session: Session, caps: dict[str, Any]) -> None:
    """se:vnc / se:vncEnabled / tggrid:vncUrl / tggrid:videoUrl, all on the hub's address.

    The video link only for a session its node films: a relay records nothing, so a session
    that asked for a video there answers ``tggrid:options.enableVideo: false`` instead (and
    no upstream grid's video link is passed on)."""
    public_url = request.app[SETTINGS].public_url
    base = public_base(request, public_url)
    if "vnc" in session.node_session.endpoints:
        caps["se:vnc"] = f"{websocket_base(request, public_url)}/session/{session.id}/se/vnc"
        caps["se:vncEnabled"] = True
        caps["tggrid:vncUrl"] = f"{base}/ui/sessions/{session.id}/live"
    if session.node_session.recorded:
        caps["tggrid:videoUrl"] = f"{base}/api/sessions/{session.id}/video"
        return
    caps.pop("tggrid:videoUrl", None)
    if session.options.enable_video:
        options = caps.get("tggrid:options")
        caps["tggrid:options"] = {**(options if isinstance(options, dict) else {}),
                                  "enableVideo": False}
        log.info("session.not_recorded id=%s node=%s kind=%s", session.id, session.slots.id,
                 session.slots.node.kind)


async def _media_ctx(app: web.Application) -> AsyncIterator[None]:
    provider = app[MEDIA]
    await asyncio.to_thread(provider.start)
    database = app.get(DATABASE)
    catalog: RecordingCatalog = (DbCatalog(database) if database is not None
                                 else JsonCatalog(provider.recording_dir))
    service = RecordingService(
        catalog, provider, hub_id=app[HUB_ID], recording_dir=provider.recording_dir,
        retention_days=app[SETTINGS].recording_retention_days)
    app[RECORDINGS] = service
    uploads = _start_uploads(app[SETTINGS], service)
    app[REGISTRY].subscribe(service)
    presence = app.get(PRESENCE)
    alive = (await presence.states()).alive if presence is not None else None
    settled = await service.settle_interrupted(alive)
    if settled:
        log.warning("recording.settled_after_crash count=%d", settled)

    async def settle_dead_hubs(states: HubStates) -> None:
        await service.settle_interrupted(states.alive, by_directory=False)

    if presence is not None:
        presence.subscribe(settle_dead_hubs)
    if service.uploader is not None:
        await service.uploader.resume()
    await service.sweep()  # before the hub answers: no expired recording is ever listed
    retention = asyncio.create_task(service.run_retention(RETENTION_INTERVAL),
                                    name="recording-retention")
    yield
    if presence is not None:
        presence.unsubscribe(settle_dead_hubs)
    retention.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await retention
    await service.close()
    await provider.close()
    if uploads is not None:  # what is not uploaded yet is resumed by the next start
        uploads.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await uploads


def _start_uploads(settings: Settings, service: RecordingService) -> asyncio.Task[None] | None:
    """With recording_storage = s3: the uploader, its background task, and the recordings a
    previous run left on disk queued again."""
    if settings.recording_storage != "s3":
        return None
    store = S3Store(S3Settings(
        bucket=settings.s3_bucket, prefix=settings.s3_prefix,
        endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key))
    service.uploader = Uploader(store, service.catalog, service.recording_dir)
    return asyncio.create_task(service.uploader.run(), name="recording-uploads")


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[MEDIA] = MediaProvider(hub_id=app[HUB_ID], recording_dir=recording_path(settings),
                               capture=settings.recording_capture)
    app[LINK_SIGNER] = LinkSigner(load_key(settings.secret_key, settings.data_path))
    if ACCESS_GRANTS not in app:
        app[ACCESS_GRANTS] = []
    app[ACCESS_GRANTS].append(access.signed_view_request)
    if PUBLIC_PATHS not in app:
        app[PUBLIC_PATHS] = []
    # noVNC's own files and the viewer's script and style: the viewer page loads them
    app[PUBLIC_PATHS].extend(["/ui/novnc/", routes.ASSETS_PATH + "/"])
    app[CAPABILITY_HOOKS].append(add_capabilities)
    app.cleanup_ctx.append(_media_ctx)
    routes.add_routes(app)
