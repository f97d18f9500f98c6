"""Docker engines: connecting to them, labelling our containers, reaping a dead hub's ones.

Every container the hub starts carries the hub's id, pid and host name as labels. A hub that
starts removes containers whose hub is not alive: the labelled pid is gone, or is a younger
process than the container (the pid was reused), or is not a tggrid hub. Containers of hubs
on other machines (a shared tcp:// engine) go only when the shared database says their hub is
dead (``dead_hubs``, from hub/db/presence.py); a hub it does not know may use another database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Collection
from typing import Any

import docker
import psutil
import requests
from docker.errors import DockerException, ImageNotFound
from docker.models.containers import Container
from docker.tls import TLSConfig

from hub.processes import pid_namespace

log = logging.getLogger(__name__)

HUB_LABEL = "tggrid.hub"
HUB_PID_LABEL = "tggrid.hub_pid"
HUB_HOST_LABEL = "tggrid.hub_host"
# A hub in a container (the hub image, `--network host`) shares the host's name but not its
# process ids: its pid says nothing about liveness to hubs outside, nor theirs to it.
HUB_PIDNS_LABEL = "tggrid.hub_pidns"
SESSION_LABEL = "tggrid.session"
BROWSER_LABEL = "tggrid.browser"
VERSION_COMMANDS = {"chrome": "chromium", "firefox": "firefox-esr",
                    "webkit": "/opt/tggrid/webkit-version"}
CLIENT_TIMEOUT = 60
# Fixed, so a client is made without asking an engine that may be down (20.10 speaks 1.41).
API_VERSION = "1.41"
# What a call to an engine raises when the engine fails or is gone.
ENGINE_ERRORS = (DockerException, requests.exceptions.RequestException)


@dataclasses.dataclass(frozen=True)
class EngineTls:
    """TLS files for tcp:// engines (the same for all of them)."""

    verify: bool = False
    ca: str = ""
    cert: str = ""
    key: str = ""

    @property
    def enabled(self) -> bool:
        return self.verify or bool(self.cert and self.key)

    def config(self) -> TLSConfig:
        return TLSConfig(
            client_cert=(self.cert, self.key) if self.cert and self.key else None,
            ca_cert=self.ca or None, verify=self.ca if self.verify and self.ca else self.verify,
        )


def connect(url: str, tls: EngineTls | None = None) -> docker.DockerClient:
    """A client for one engine; no request is made (the engine may be down for now)."""
    if not url:
        return docker.from_env(timeout=CLIENT_TIMEOUT, version=API_VERSION)
    use_tls: TLSConfig | bool = False
    if url.startswith(("tcp://", "https://")) and tls is not None and tls.enabled:
        use_tls = tls.config()
        url = "https://" + url.split("://", 1)[1]
    client = docker.DockerClient(base_url=url, tls=use_tls, timeout=CLIENT_TIMEOUT,
                                 version=API_VERSION)
    if use_tls and tls is not None and tls.verify and tls.ca:
        # requests puts REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE over the session's CA file, so
        # with them set the engine's certificate would be checked against the wrong CAs
        client.api.trust_env = False
    return client


def engine_problem(url: str, error: Exception) -> str:
    """What is wrong with an engine, for health: a TLS refusal names the settings to check."""
    if isinstance(error, requests.exceptions.SSLError):
        return (f"Docker engine {url} failed the TLS handshake (check docker_tls_ca, "
                f"docker_tls_cert, docker_tls_key): {error}")
    return f"Docker engine {url} does not answer: {error}"


def hub_labels(hub_id: str) -> dict[str, str]:
    return {HUB_LABEL: hub_id, HUB_PID_LABEL: str(os.getpid()),
            HUB_HOST_LABEL: socket.gethostname(), HUB_PIDNS_LABEL: pid_namespace()}


def _created(attrs: dict[str, Any]) -> float:
    created = attrs.get("Created", "")
    if isinstance(created, int | float):  # a sparse listing gives epoch seconds
        return float(created)
    with contextlib.suppress(ValueError):
        # "2026-11-27T00:17:08.123456789Z": keep microseconds, which fromisoformat reads
        head, _, fraction = str(created).rstrip("Z").partition(".")
        stamp = dt.datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}")
        return stamp.replace(tzinfo=dt.UTC).timestamp()
    return 0.0


def hub_alive(labels: dict[str, str], created: float) -> bool | None:
    """True/False for containers of hubs on this machine; None when it cannot be known."""
    if labels.get(HUB_HOST_LABEL) != socket.gethostname():
        return None
    own_namespace = pid_namespace()
    if labels.get(HUB_PIDNS_LABEL, own_namespace) != own_namespace:
        return None  # another pid namespace: that pid is not a process here
    pid = labels.get(HUB_PID_LABEL, "")
    if not pid.isdigit():
        return False
    try:
        process = psutil.Process(int(pid))
        started = process.create_time()
        cmdline = " ".join(process.cmdline())
    except (psutil.Error, OSError):
        return False
    return (not created or started <= created + 1) and "hub" in cmdline


def reap_orphans(
    client: docker.DockerClient, hub_id: str, dead_hubs: Collection[str] = frozenset(),
    before_removal: Callable[[Container], object] | None = None,
) -> int:
    """Remove containers left by hubs that are not alive (a dead pid on this machine, or a hub
    in ``dead_hubs`` wherever it ran); returns how many were removed. ``before_removal`` gets
    each one first (to save its video) and must not raise."""
    removed = 0
    # sparse: labels and creation time come with the listing, one request in all
    for container in client.containers.list(all=True, sparse=True,
                                            filters={"label": HUB_LABEL}):
        labels = container.attrs.get("Labels") or {}
        owner = labels.get(HUB_LABEL)
        if owner == hub_id:
            continue
        if owner not in dead_hubs and hub_alive(labels, _created(container.attrs)) is not False:
            continue
        if before_removal is not None:
            before_removal(container)
        with contextlib.suppress(*ENGINE_ERRORS):
            container.remove(force=True, v=True)
            removed += 1
            log.warning("docker.orphan_removed container=%s hub=%s host=%s session=%s",
                        container.short_id, owner, labels.get(HUB_HOST_LABEL),
                        labels.get(SESSION_LABEL))
    return removed


def remove_session_containers(client: docker.DockerClient, tag: str) -> int:
    """Force-remove every container of one session, found by label (never raises)."""
    removed = 0
    try:
        found = client.containers.list(all=True, filters={"label": f"{SESSION_LABEL}={tag}"})
    except ENGINE_ERRORS as error:
        log.warning("docker.cleanup_failed session=%s error=%s", tag, error)
        return 0
    for container in found:
        try:
            container.remove(force=True, v=True)
            removed += 1
        except ENGINE_ERRORS as error:
            log.warning("docker.remove_failed container=%s error=%s", container.short_id, error)
    return removed


def browser_version(client: docker.DockerClient, browser: str, image: str, hub_id: str) -> str:
    """The browser's version inside ``image`` (``""`` when the image or engine is missing)."""
    command = VERSION_COMMANDS.get(browser)
    if command is None:
        return ""
    container = None
    try:
        container = client.containers.create(
            image, entrypoint=[command, "--version"], network_mode="none",
            labels={**hub_labels(hub_id), SESSION_LABEL: "version-probe"})
        container.start()
        container.wait(timeout=CLIENT_TIMEOUT)
        output = container.logs(stdout=True, stderr=False).decode(errors="replace")
    except ImageNotFound:
        log.warning("docker.image_missing image=%s browser=%s", image, browser)
        return ""
    except ENGINE_ERRORS as error:
        log.warning("docker.version_failed image=%s error=%s", image, error)
        return ""
    finally:
        if container is not None:
            with contextlib.suppress(*ENGINE_ERRORS):
                container.remove(force=True)
    for word in output.split():
        if word[:1].isdigit():
            return word.removesuffix("esr")
    return ""
