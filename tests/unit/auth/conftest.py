"""The throttle keeps its counts in the database: its tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.unit.db.conftest import database_url, db, empty_db  # noqa: F401 - fixtures
