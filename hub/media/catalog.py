"""Where recording metadata lives: the database's ``recordings`` table (hub/db/recordings.py).

:class:`RecordingCatalog` is the little the recording service and routes need. With a database
on the app it is :class:`DbCatalog`; a hub built without the database feature keeps one JSON
file per recording beside the videos (:class:`JsonCatalog`), so metadata survives a restart
either way. Owner scoping: ``owner_id=None`` sees everything (admins, auth off).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import Any, Protocol

from hub.callers import Owner
from hub.db import recordings, sessions
from hub.db.engine import Database
from hub.db.recordings import RecordingInfo, owner_id_of

SEARCH_LIMIT = 10_000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Search:
    owner_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    name: str | None = None
    status: str | None = None

    def admits(self, info: RecordingInfo) -> bool:
        """The same filter in Python, for :class:`JsonCatalog` (the database does it in SQL)."""
        started = aware(info.started_at)
        return ((self.owner_id is None or info.owner_id == self.owner_id)
                and (self.since is None or started >= self.since)
                and (self.until is None or started < self.until)
                and (not self.name or self.name.lower() in info.name.lower())
                and (self.status is None or info.status == self.status))


class RecordingCatalog(Protocol):
    async def create(self, *, session_id: str, path: str, name: str, owner: Owner | int | None,
                     started_at: dt.datetime) -> RecordingInfo: ...

    async def finish(self, recording_id: str, *, size: int, duration: float | None,
                     ended_at: dt.datetime, partial: str | None = None) -> None:
        """Ready, or ``partial`` (playable, cut short) with the reason."""

    async def fail(self, recording_id: str, error: str) -> None: ...

    async def move(self, recording_id: str, path: str) -> None:
        """The video now lives at ``path`` (uploaded to S3)."""

    async def get(self, recording_id: str, *, owner_id: int | None = None
                  ) -> RecordingInfo | None: ...

    async def for_session(self, session_id: str) -> RecordingInfo | None:
        """The newest recording of a session."""

    async def search(self, query: Search) -> list[RecordingInfo]: ...

    async def delete(self, recording_id: str) -> None: ...

    async def hubs_of(self, session_ids: Collection[str]) -> dict[str, str]:
        """session id -> the hub that ran it, where known (to settle a dead hub's videos)."""


class DbCatalog:
    """The database engineer's repository, with the filters the API offers on top."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, session_id: str, path: str, name: str, owner: Owner | int | None,
                     started_at: dt.datetime) -> RecordingInfo:
        return await recordings.create(self.db, session_id=session_id, path=path, name=name,
                                       owner=owner, started_at=started_at)

    async def finish(self, recording_id: str, *, size: int, duration: float | None,
                     ended_at: dt.datetime, partial: str | None = None) -> None:
        await recordings.finish(self.db, recording_id, size=size, duration=duration,
                                ended_at=ended_at, partial=partial)

    async def fail(self, recording_id: str, error: str) -> None:
        await recordings.fail(self.db, recording_id, error)

    async def move(self, recording_id: str, path: str) -> None:
        await recordings.move(self.db, recording_id, path)

    async def get(self, recording_id: str, *, owner_id: int | None = None
                  ) -> RecordingInfo | None:
        return await recordings.get(self.db, recording_id, owner_id=owner_id)

    async def for_session(self, session_id: str) -> RecordingInfo | None:
        rows = await recordings.list_recordings(self.db, session_id=session_id, limit=1)
        return rows[0] if rows else None

    async def search(self, query: Search) -> list[RecordingInfo]:
        return await recordings.list_recordings(
            self.db, owner_id=query.owner_id, status=query.status, since=query.since,
            until=query.until, name=query.name, limit=SEARCH_LIMIT)

    async def delete(self, recording_id: str) -> None:
        await recordings.delete_recording(self.db, recording_id)

    async def hubs_of(self, session_ids: Collection[str]) -> dict[str, str]:
        return await sessions.hubs_of(self.db, session_ids)


class JsonCatalog:
    """One ``<id>.json`` per recording under ``<recording_dir>/.meta``; no database needed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / ".meta"

    def _file(self, recording_id: str) -> Path | None:
        return self.directory / f"{recording_id}.json" if _ID.match(recording_id) else None

    def _write(self, info: RecordingInfo) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{info.id}.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(_to_json(info)))
        temporary.replace(target)

    def _read(self, recording_id: str) -> RecordingInfo | None:
        path = self._file(recording_id)
        try:
            return _from_json(json.loads(path.read_text())) if path else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    async def create(self, *, session_id: str, path: str, name: str, owner: Owner | int | None,
                     started_at: dt.datetime) -> RecordingInfo:
        info = RecordingInfo(id=uuid.uuid4().hex, session_id=session_id,
                             owner_id=owner_id_of(owner), path=path, name=name, size=None,
                             duration=None, status=recordings.RECORDING, error=None,
                             started_at=started_at, ended_at=None)
        await asyncio.to_thread(self._write, info)
        return info

    async def _update(self, recording_id: str, **values: Any) -> None:
        info = await asyncio.to_thread(self._read, recording_id)
        if info is not None:
            await asyncio.to_thread(self._write, dataclasses.replace(info, **values))

    async def finish(self, recording_id: str, *, size: int, duration: float | None,
                     ended_at: dt.datetime, partial: str | None = None) -> None:
        await self._update(recording_id, status=recordings.PARTIAL if partial else recordings.READY,
                           error=partial or None, size=size, duration=duration,
                           ended_at=ended_at)

    async def fail(self, recording_id: str, error: str) -> None:
        await self._update(recording_id, status=recordings.FAILED, error=error or None,
                           ended_at=utcnow())

    async def move(self, recording_id: str, path: str) -> None:
        await self._update(recording_id, path=path)

    async def get(self, recording_id: str, *, owner_id: int | None = None
                  ) -> RecordingInfo | None:
        info = await asyncio.to_thread(self._read, recording_id)
        if info is None or (owner_id is not None and info.owner_id != owner_id):
            return None
        return info

    def _all(self) -> list[RecordingInfo]:
        found = [self._read(path.stem) for path in self.directory.glob("*.json")]
        return sorted((i for i in found if i), key=lambda i: aware(i.started_at), reverse=True)

    async def for_session(self, session_id: str) -> RecordingInfo | None:
        found = [i for i in await asyncio.to_thread(self._all) if i.session_id == session_id]
        return found[0] if found else None

    async def search(self, query: Search) -> list[RecordingInfo]:
        return [info for info in await asyncio.to_thread(self._all) if query.admits(info)]

    async def delete(self, recording_id: str) -> None:
        path = self._file(recording_id)
        if path:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def hubs_of(self, session_ids: Collection[str]) -> dict[str, str]:
        return {}  # no database: one hub owns the directory


def _to_json(info: RecordingInfo) -> dict[str, Any]:
    data = dataclasses.asdict(info)
    data["started_at"] = info.started_at.isoformat()
    data["ended_at"] = info.ended_at.isoformat() if info.ended_at else None
    return data


def _from_json(data: dict[str, Any]) -> RecordingInfo:
    data = dict(data)
    data["started_at"] = dt.datetime.fromisoformat(data["started_at"])
    data["ended_at"] = dt.datetime.fromisoformat(data["ended_at"]) if data["ended_at"] else None
    return RecordingInfo(**data)
