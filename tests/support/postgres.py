"""A real PostgreSQL server for tests: ``TGGRID_TEST_POSTGRES_URL``, else a local Debian
cluster started here. Without one the tests skip on a developer machine and fail in CI."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

ENV = "TGGRID_TEST_POSTGRES_URL"
LOCAL_URL = "postgresql://tggrid:tggrid@127.0.0.1:5432/tggrid"


async def _can_connect(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def _start_local_cluster() -> None:
    """Start Debian's clusters and make the tggrid role and database (root only)."""
    if shutil.which("pg_lsclusters") is None or os.geteuid() != 0:
        return
    for line in subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True,
                               check=False).stdout.splitlines():
        version, name, *_ = line.split()
        subprocess.run(["pg_ctlcluster", version, name, "start"], capture_output=True,
                       check=False)
    for sql in ("CREATE ROLE tggrid LOGIN SUPERUSER PASSWORD 'tggrid'",
                "CREATE DATABASE tggrid OWNER tggrid"):
        subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-c", sql],
                       capture_output=True, check=False)


def find_postgres() -> str:
    url = os.environ.get(ENV)
    if url:
        if not asyncio.run(_can_connect(url)):
            pytest.fail(f"{ENV}={url} does not accept connections")
        return url
    if not asyncio.run(_can_connect(LOCAL_URL)):
        _start_local_cluster()
    if asyncio.run(_can_connect(LOCAL_URL)):
        return LOCAL_URL
    message = f"no PostgreSQL server: set {ENV} or install Debian's postgresql"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of a database on a live server whose role may create databases."""
    return find_postgres()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test (``postgresql://`` URL), dropped afterwards."""
    name = f"tggrid_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(postgres_server, f'CREATE DATABASE "{name}"'))
    yield _with_database(postgres_server, name)
    asyncio.run(_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
