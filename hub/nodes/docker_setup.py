"""Docker nodes from the hub's settings: one node per engine in ``docker_hosts``."""

from __future__ import annotations

import logging
import os

from hub.config import ConfigError, Settings
from hub.images import IMAGES, image_tag
from hub.nodes.docker import ContainerLimits, DockerNode
from hub.nodes.docker_engines import EngineTls
from hub.screens import RecordingSink

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


def engine_tls(settings: Settings) -> EngineTls:
    """The TLS files for tcp:// engines, checked here: docker-py would raise mid-start."""
    for name in ("docker_tls_ca", "docker_tls_cert", "docker_tls_key"):
        path = getattr(settings, name)
        if path and not os.path.isfile(path):
            raise ConfigError(f"setting {name!r}: {path!r} is not a file")
    if bool(settings.docker_tls_cert) != bool(settings.docker_tls_key):
        raise ConfigError("settings 'docker_tls_cert' and 'docker_tls_key' go together")
    return EngineTls(verify=settings.docker_tls_verify, ca=settings.docker_tls_ca,
                     cert=settings.docker_tls_cert, key=settings.docker_tls_key)


def docker_nodes(settings: Settings, hub_id: str,
                 media: RecordingSink | None = None) -> list[DockerNode]:
    images = browser_images(settings)
    tls = engine_tls(settings)
    limits = ContainerLimits(memory=settings.docker_memory, cpus=settings.docker_cpus,
                             shm_size=settings.docker_shm_size)
    return [
        DockerNode(hub_id=hub_id, engine_url=url, index=index, images=images,
                   max_sessions=settings.docker_max_sessions,
                   start_timeout=settings.session_start_timeout, limits=limits, tls=tls,
                   media=media)
        for index, url in enumerate(settings.docker_hosts or [""])
    ]
