"""Containers of hubs the shared database says are dead are removed, wherever those hubs ran.

The containers here only pretend to be sessions of hubs on another machine (labels naming a
host that is not this one); the hubs' rows are written straight into a real PostgreSQL
database the hub under test then shares.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import uuid
from pathlib import Path

import docker
import pytest
from docker.errors import NotFound
from docker.models.containers import Container
from sqlalchemy import update

from hub import images
from hub.config import Settings
from hub.db import hubs, migrate
from hub.db.engine import Database, database_url
from hub.db.hubs import HubInfo
from hub.db.models import HubRow
from tests.docker.conftest import RunContainer
from tests.docker.test_docker_node import docker_hub, wait_until
from tests.docker.test_docker_recording_crashes import _download, _recorded, _recording
from tests.support.fixtures import HubFactory
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.timeout(900)]

ELSEWHERE = "elsewhere.invalid"
AN_HOUR_AGO = dt.timedelta(hours=1)


def _db(url: str) -> Database:
    return Database(database_url(Settings(database_url=url)))


async def _write_hubs(url: str, rows: list[HubInfo]) -> None:
    db = _db(url)
    try:
        await migrate.upgrade(db)
        for row in rows:
            await hubs.register(db, row)
    finally:
        await db.close()


async def _age(url: str, hub_id: str) -> None:
    db = _db(url)
    try:
        async with db.session() as session:
            await session.execute(update(HubRow).where(HubRow.id == hub_id).values(
                last_seen_at=dt.datetime.now(dt.UTC) - AN_HOUR_AGO))
    finally:
        await db.close()


def hub_row(hub_id: str, *, ago: dt.timedelta = dt.timedelta(0), stopped: bool = False
            ) -> HubInfo:
    seen = dt.datetime.now(dt.UTC) - ago
    return HubInfo(id=hub_id, host=ELSEWHERE, pid=4242, url=f"http://{ELSEWHERE}:4444",
                   started_at=seen - AN_HOUR_AGO, last_seen_at=seen,
                   stopped_at=seen if stopped else None)


def exists(client: docker.DockerClient, container: Container) -> bool:
    try:
        client.containers.get(container.id)
    except NotFound:
        return False
    return True


def test_containers_of_dead_hubs_elsewhere_go_and_of_live_or_unknown_hubs_stay(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
    run_container: RunContainer, postgres_url: str,  # noqa: F811
) -> None:
    ids = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in (
        "stale", "stopped", "fresh", "unknown")}
    asyncio.run(_write_hubs(postgres_url, [
        hub_row(ids["stale"], ago=AN_HOUR_AGO), hub_row(ids["stopped"], stopped=True),
        hub_row(ids["fresh"])]))
    containers = {
        name: run_container(images.BASE_IMAGE, command=["sleep", "infinity"],
                            network_mode="none", labels={
                                "tggrid.hub": hub_id, "tggrid.hub_pid": "4242",
                                "tggrid.hub_host": ELSEWHERE, "tggrid.session": name})
        for name, hub_id in ids.items()}

    docker_hub(hub_factory, "--browsers", "chrome", "--database-url", postgres_url,
               "--hub-heartbeat-interval", "1", "--hub-dead-after", "600")

    assert not exists(docker_client, containers["stale"])
    assert not exists(docker_client, containers["stopped"])
    assert exists(docker_client, containers["fresh"]), "its hub is alive"
    assert exists(docker_client, containers["unknown"]), "its hub may use another database"

    asyncio.run(_age(postgres_url, ids["fresh"]))  # that hub stops beating
    wait_until(lambda: not exists(docker_client, containers["fresh"]),
               "the newly dead hub's container to go")
    assert exists(docker_client, containers["unknown"])


def test_a_killed_hubs_recorded_container_leaves_its_video_to_the_next_hub(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first, driver, container = _recorded(hub_factory, docker_client, "--data-dir", str(data))
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # its container runs on, recording

    second = docker_hub(hub_factory, "--browsers", "chrome", "--data-dir", str(data))
    assert not exists(docker_client, container), "the dead hub's container is removed"
    recording = _recording(second, driver.session_id)
    assert recording["status"] == "partial", recording
    assert "stopped while recording" in recording["error"], recording
    assert recording["duration"] >= 2, recording
    _download(second, driver.session_id, tmp_path / "dead-hub-container.mp4")
