"""A Debian 12 server in a container with systemd as PID 1 (tests/docker/test_systemd_unit.py).

The image (tests/docker/systemd/Dockerfile) is tggrid/standalone plus systemd, tagged by a hash
of its Dockerfile and the standalone image it is built on, so it is built once and kept like the
other images. The container runs unprivileged for Docker (`--privileged` is refused here): all
capabilities but SYS_RESOURCE, no seccomp or AppArmor profile, tmpfs /run and /run/lock, and the
host's cgroup tree (v1 or hybrid here) with the host's cgroup namespace, which systemd 252 needs
to track the services it starts. The standalone image's VOLUME on /var/lib/tggrid/recordings
comes along (an image cannot drop a VOLUME it inherits): there the hub's recordings are on a
mount of their own below its StateDirectory, which ReadWritePaths covers too.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from pathlib import Path

import docker
import pytest
from docker.errors import APIError, ImageNotFound
from docker.models.containers import Container

from hub import images

DOCKERFILE = Path(__file__).resolve().parents[1] / "docker/systemd/Dockerfile"
REPOSITORY = "tggrid-test/systemd"
BOOT_TIMEOUT = 60.0
# What systemd as PID 1 needs from Docker; see the module docstring.
RUN_OPTIONS = {
    "cap_add": ["ALL"],
    "cap_drop": ["SYS_RESOURCE"],
    "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
    "tmpfs": {"/run": "rw,exec", "/run/lock": "rw"},
    "volumes": {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "ro"}},
    "cgroupns": "host",
    "environment": {"container": "docker"},
    "shm_size": "1g",
    "network_mode": "none",
}


def build(client: docker.DockerClient, standalone: str) -> str:
    """The image on top of `standalone` (a no-op when its tag exists)."""
    digest = hashlib.sha256(DOCKERFILE.read_bytes())
    digest.update(client.images.get(standalone).id.encode())
    tag = f"{REPOSITORY}:{digest.hexdigest()[:12]}"
    try:
        client.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tggrid-systemd-") as context:
        Path(context, "Dockerfile").write_bytes(DOCKERFILE.read_bytes())
        stream = client.api.build(path=context, tag=tag, buildargs={"BASE_IMAGE": standalone},
                                  rm=True, forcerm=True, pull=False, decode=True)
        images._follow_build(stream, "systemd", print, verbose=False)
    print(f"image.built name={tag} s={time.monotonic() - started:.0f}")
    _remove_superseded(client, keep=tag)
    return tag


def _remove_superseded(client: docker.DockerClient, keep: str) -> None:
    """Untag older builds (a day old or more, unused), as hub.images does for its own: each
    holds on to the standalone image it was built on, which then could never be removed."""
    for image in client.api.images(name=REPOSITORY):
        if time.time() - float(image.get("Created") or 0) < images.SUPERSEDED_GRACE:
            continue
        for old in image.get("RepoTags") or []:
            if old != keep:
                with contextlib.suppress(APIError):
                    client.api.remove_image(old)


def wait_booted(machine: Container, timeout: float = BOOT_TIMEOUT) -> None:
    """Until `systemctl is-system-running` says the boot is over (running or degraded)."""
    deadline = time.monotonic() + timeout
    while True:
        output = machine.exec_run(["systemctl", "is-system-running"]).output
        state = output.decode(errors="replace").strip()
        if state in ("running", "degraded"):
            return
        if time.monotonic() > deadline:
            failed = machine.exec_run(["systemctl", "--failed", "--no-pager"]).output
            pytest.fail(f"systemd did not finish booting ({state}):\n{failed.decode()}")
        time.sleep(0.5)
