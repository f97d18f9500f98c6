"""Docker nodes from the hub's settings: one node per engine in ``docker_hosts``."""

from __future__ import annotations

import logging
from typing import Any

from hub.config import ConfigError, Settings
from hub.images import IMAGES, image_tag
from hub.nodes.docker import ContainerLimits, DockerNode
from hub.nodes.docker_engines import EngineTls

log = logging.getLogger(__name__)


def browser_images(settings: Settings) -> dict[str, str]:
    """browser -> image: ``docker_images`` entries over this checkout's built tags."""
    chosen: dict[str, str] = {}
    for entry in settings.docker_images:
        name, sep, image = entry.partition("=")
        if not sep or not name.strip() or not image.strip():
            raise ConfigError(f"setting 'docker_images': {entry!r} is not browser=image")
        chosen[name.strip()] = image.strip()
    images = {}
    for name in settings.browsers:
        if name in chosen:
            images[name] = chosen[name]
        elif name in IMAGES:
            images[name] = image_tag(name)
        else:
            log.warning("docker.unknown_browser name=%s", name)
    return images


def docker_nodes(settings: Settings, hub_id: str, media: Any = None) -> list[DockerNode]:
    images = browser_images(settings)
    tls = EngineTls(verify=settings.docker_tls_verify, ca=settings.docker_tls_ca,
                    cert=settings.docker_tls_cert, key=settings.docker_tls_key)
    limits = ContainerLimits(memory=settings.docker_memory, cpus=settings.docker_cpus,
                             shm_size=settings.docker_shm_size)
    return [
        DockerNode(hub_id=hub_id, engine_url=url, index=index, images=images,
                   max_sessions=settings.docker_max_sessions,
                   start_timeout=settings.session_start_timeout, limits=limits, tls=tls,
                   media=media)
        for index, url in enumerate(settings.docker_hosts or [""])
    ]
