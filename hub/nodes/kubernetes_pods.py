"""The Pod a browser session runs in, built from the hub's settings.

The Pod runs the same image and entrypoint as a Docker container (``browser_image``): one
container, ports 4444 (driver), 5900 (VNC), 9229 (DevTools/BiDi) and 9230 (the recording, served
to the hub when the session records: ``hub.nodes.kubernetes_video``), ``/dev/shm`` an
in-memory emptyDir. It never restarts (a browser is used once), never mounts a service
account token (a browser has no business with the API) and runs as the image's user.
Labels say which hub and session own it, so a hub that outlives another reaps its Pods.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from hub.config import ConfigError
from hub.nodes import browser_image
from hub.nodes.docker_engines import BROWSER_LABEL, HUB_LABEL, SESSION_LABEL
from hub.nodes.kubernetes_video import RECORDING_PORT
from hub.w3c.capabilities import SessionOptions

MANAGED_BY = {"app.kubernetes.io/managed-by": "tggrid", "app.kubernetes.io/name": "tggrid-browser"}
STOP_GRACE = 10  # seconds: the entrypoint stops ffmpeg, the driver and the display in that order
IMAGE_USER = 1000  # the images' "browser" user
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# A label's name part and value (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/)
_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def valid_label(key: str, value: str) -> bool:
    prefix, _, name = key.rpartition("/")
    return (bool(name) and bool(_NAME.match(name)) and bool(_NAME.match(value))
            and (not prefix or bool(_PREFIX.match(prefix))))


@dataclasses.dataclass(frozen=True)
class PodSettings:
    """What every browser Pod of a hub shares (from the ``kubernetes_*`` settings)."""

    namespace: str = "default"
    cpu_request: str = "500m"
    cpu_limit: str = "1"
    memory_request: str = "1Gi"
    memory_limit: str = "2Gi"
    shm_size: str = "2Gi"
    node_selector: dict[str, str] = dataclasses.field(default_factory=dict)
    tolerations: list[dict[str, str]] = dataclasses.field(default_factory=list)
    service_account: str = ""
    image_pull_secrets: list[str] = dataclasses.field(default_factory=list)
    image_pull_policy: str = "IfNotPresent"


def parse_node_selector(entries: list[str]) -> dict[str, str]:
    selector = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep or not valid_label(key.strip(), value.strip()):
            raise ConfigError(f"setting 'kubernetes_node_selector': {entry!r} is not "
                              "label=value")
        selector[key.strip()] = value.strip()
    return selector


def parse_toleration(entry: str) -> dict[str, str]:
    """``key=value:Effect``, ``key:Effect`` or ``key=value`` (kubectl taint's spelling)."""
    spec, colon, effect = entry.strip().rpartition(":")
    if not colon:
        spec, effect = entry.strip(), ""
    key, equals, value = spec.partition("=")
    if not key or not valid_label(key, value) or (effect and effect not in EFFECTS):
        raise ConfigError(f"setting 'kubernetes_tolerations': {entry!r} is not key=value:Effect, "
                          f"key:Effect or key=value (effects: {', '.join(EFFECTS)})")
    toleration = {"key": key, "operator": "Equal" if equals else "Exists"}
    if equals:
        toleration["value"] = value
    if effect:
        toleration["effect"] = effect
    return toleration


def pod_name(tag: str) -> str:
    return f"tggrid-{tag[:16]}"


def resources(settings: PodSettings) -> dict[str, dict[str, str]]:
    requests = {"cpu": settings.cpu_request, "memory": settings.memory_request}
    limits = {"cpu": settings.cpu_limit, "memory": settings.memory_limit}
    return {"requests": {k: v for k, v in requests.items() if v},
            "limits": {k: v for k, v in limits.items() if v}}


def session_pod(
    settings: PodSettings, *, hub_id: str, tag: str, browser: str, image: str,
    options: SessionOptions,
) -> dict[str, Any]:
    """The Pod manifest for one session (a plain dict, as the API takes it)."""
    labels = {k: v for k, v in options.labels.items()
              if not k.startswith("tggrid.") and valid_label(k, v)}
    labels.update({**MANAGED_BY, HUB_LABEL: hub_id, SESSION_LABEL: tag, BROWSER_LABEL: browser})
    environment = browser_image.environment(options)
    if options.enable_video:
        environment["RECORDING_PORT"] = str(RECORDING_PORT)
    env = [{"name": k, "value": v} for k, v in environment.items()]
    ports = [{"name": name, "containerPort": port, "protocol": "TCP"}
             for name, port in (("driver", 4444), ("vnc", 5900), ("devtools", 9229),
                                ("recording", RECORDING_PORT))]
    container = {
        "name": "browser", "image": image, "imagePullPolicy": settings.image_pull_policy,
        "env": env, "ports": ports, "resources": resources(settings),
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"},
                         {"name": "recordings", "mountPath": "/recordings"}],
        "securityContext": {"allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}},
    }
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": STOP_GRACE,
        "securityContext": {"runAsUser": IMAGE_USER, "runAsGroup": IMAGE_USER,
                            "fsGroup": IMAGE_USER, "runAsNonRoot": True},
        "containers": [container],
        "volumes": [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": settings.shm_size}},
            {"name": "recordings", "emptyDir": {}},
        ],
    }
    if settings.node_selector:
        spec["nodeSelector"] = dict(settings.node_selector)
    if settings.tolerations:
        spec["tolerations"] = [dict(t) for t in settings.tolerations]
    if settings.service_account:
        spec["serviceAccountName"] = settings.service_account
    if settings.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in settings.image_pull_secrets]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod_name(tag), "namespace": settings.namespace,
                         "labels": labels},
            "spec": spec}
