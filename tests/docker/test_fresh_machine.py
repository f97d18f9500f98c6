"""A fresh Debian 12 machine set up by the README's own commands records a session.

A container of the debootstrap base image (hub/images.py) runs ``scripts/setup.sh`` on a copy
of this checkout, as a new machine would, then ``scripts/hub.sh`` starts the hub and a Selenium
client inside records a Chromium session and checks the video with ffprobe. A missing install
step fails here. What setup.sh installed is kept as an image keyed by setup.sh, pyproject.toml
and the base image, so later runs only start the hub on the current code; the first run (and
every change to those files) installs everything from scratch, from the apt mirror and PyPI.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import docker
import pytest
from docker.errors import ImageNotFound
from docker.models.containers import Container
from docker.types import Mount

from hub import images
from tests.docker.conftest import RunContainer

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1500)]

CHECKOUT = Path(__file__).resolve().parents[2]
REPOSITORY = "tggrid-test/fresh-machine"
COMMIT_TIMEOUT = 1800
HOST_CA = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
# The checkout minus what a new machine would not have; pyproject.toml stays as installed
# (it is part of the image's key), so setup.sh finds the virtualenv current.
COPY = ("mkdir -p /src && tar -C /mnt/src --exclude=./.venv --exclude=./.git "
        "--exclude=./pyproject.toml {more} -cf - . | tar -C /src -xf -")


def _key(client: docker.DockerClient) -> str:
    digest = hashlib.sha256(client.images.get(images.BASE_IMAGE).id.encode())
    for name in ("scripts/setup.sh", "pyproject.toml"):
        digest.update((CHECKOUT / name).read_bytes())
    return digest.hexdigest()[:12]


def _bind(source: Path, target: str) -> Mount:
    return Mount(target, str(source), type="bind", read_only=True)


def _run(container: Container, command: str, what: str, **kwargs: object) -> str:
    code, output = container.exec_run(["bash", "-c", command], **kwargs)
    text = output.decode(errors="replace")
    assert code == 0, f"{what} failed ({code}):\n{text[-4000:]}"
    return text


def _set_up(client: docker.DockerClient, run_container: RunContainer) -> str:
    """The image of a machine scripts/setup.sh set up; built from scratch when missing."""
    images.ensure_base_image(client, print, pull=False)
    tag = f"{REPOSITORY}:{_key(client)}"
    try:
        client.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    # Bind mounts, not volumes: a volume would be declared in the committed image.
    mounts = [_bind(CHECKOUT, "/mnt/src")]
    environment = {}
    if HOST_CA.is_file():  # PyPI is reached through the host's CA, as the host reaches it
        mounts.append(_bind(HOST_CA, "/run/host-ca.crt"))
        environment["PIP_CERT"] = "/run/host-ca.crt"
    container = run_container(images.BASE_IMAGE, command=["sleep", "infinity"], mounts=mounts)
    _run(container, COPY.format(more="") + " && cp /mnt/src/pyproject.toml /src/", "copy")
    # What Docker's own Debian images do: no fsync per unpacked file (a throwaway machine).
    _run(container, "echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/test-unsafe-io", "dpkg")
    _run(container, "cd /src && scripts/setup.sh", "scripts/setup.sh on a fresh machine",
         environment=environment)
    _run(container, "rm -rf /src/tests /root/.cache", "cleanup")
    # Committing some 3 GB takes minutes on a busy machine: past docker-py's 60 s default.
    patient = docker.from_env(timeout=COMMIT_TIMEOUT)
    try:
        patient.api.commit(container.id, REPOSITORY, tag.rsplit(":", 1)[1],
                           conf={"Env": ["LANG=C.UTF-8"], "Cmd": ["sleep", "infinity"]})
    finally:
        patient.close()
    return tag


def test_a_fresh_debian_machine_set_up_by_the_readme_records_a_session(
    docker_client: docker.DockerClient, run_container: RunContainer,
) -> None:
    image = _set_up(docker_client, run_container)
    machine = run_container(image, network_mode="none", shm_size="1g",
                            mounts=[_bind(CHECKOUT, "/mnt/src")])
    _run(machine, COPY.format(more="--exclude=./data"), "copy the checkout")
    _run(machine, "cd /src && (scripts/hub.sh > /tmp/hub.log 2>&1 &)", "start scripts/hub.sh")
    code, output = machine.exec_run(
        ["/src/.venv/bin/python", "/src/tests/support/fresh_machine_client.py"])
    log = machine.exec_run(["tail", "-c", "4000", "/tmp/hub.log"]).output.decode(
        errors="replace")
    lines = output.decode(errors="replace").strip().splitlines()
    assert code == 0 and lines, f"{output.decode(errors='replace')[-3000:]}\nhub.log:\n{log}"
    result = json.loads(lines[-1])
    assert result["recording"]["status"] == "ready", (result, log)
    probed = json.loads(result["ffprobe"])
    assert [s["codec_name"] for s in probed["streams"]] == ["h264"], probed
    assert float(probed["format"]["duration"]) >= 1.5, probed
