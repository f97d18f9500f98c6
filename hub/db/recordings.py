"""Recordings repository: the small API the video recorder writes through.

Every function takes the hub's :class:`~hub.db.engine.Database` (``app[DATABASE]``) and
returns plain :class:`RecordingInfo` values (no ORM objects escape). Typical use::

    rec = await recordings.create(db, session_id=session.id, owner=session.owner,
                                  path=str(path), name="test_login.mp4")
    ...  # ffmpeg runs
    await recordings.finish(db, rec.id, size=path.stat().st_size, duration=12.5)
    # or, when ffmpeg failed:
    await recordings.fail(db, rec.id, "ffmpeg exited with 1")

``owner`` may be the session's owner object (anything with an ``id``), a user id or None.
Pass ``owner_id`` to ``get``/``list_recordings``/``delete`` to see only that user's recordings
(another user's recording then reads as missing, which routes answer with 404); leave it
``None`` for admins and for a hub with auth off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, delete, select

from hub.callers import Owner
from hub.db.engine import Database
from hub.db.models import Recording, utcnow

RECORDING, READY, FAILED = "recording", "ready", "failed"
PARTIAL = "partial"  # playable, but cut short by a crash; ``error`` says what died


@dataclasses.dataclass(frozen=True)
class RecordingInfo:
    id: str
    session_id: str
    owner_id: int | None
    path: str
    name: str
    size: int | None
    duration: float | None
    status: str
    error: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "sessionId": self.session_id, "ownerId": self.owner_id,
            "name": self.name, "size": self.size, "duration": self.duration,
            "status": self.status, "error": self.error,
            "startedAt": self.started_at.isoformat(),
            "endedAt": self.ended_at.isoformat() if self.ended_at else None,
        }


def owner_id_of(owner: Owner | int | None) -> int | None:
    """A user id from a session owner, an int, or None."""
    if owner is None or isinstance(owner, int):
        return owner
    return owner.id


def _info(row: Recording) -> RecordingInfo:
    return RecordingInfo(
        id=row.id, session_id=row.session_id, owner_id=row.owner_id, path=row.path,
        name=row.name, size=row.size, duration=row.duration, status=row.status,
        error=row.error, started_at=row.started_at, ended_at=row.ended_at,
    )


async def create(
    db: Database, *, session_id: str, path: str, name: str, owner: Owner | int | None = None,
    started_at: dt.datetime | None = None,
) -> RecordingInfo:
    """A new recording in state ``recording``."""
    row = Recording(id=uuid.uuid4().hex, session_id=session_id, owner_id=owner_id_of(owner),
                    path=path, name=name, status=RECORDING, started_at=started_at or utcnow())
    async with db.session() as session:
        session.add(row)
    return _info(row)


async def _update(db: Database, recording_id: str, **values: Any) -> RecordingInfo | None:
    row = await db.update(Recording, recording_id, values)
    return None if row is None else _info(row)


async def finish(
    db: Database, recording_id: str, *, size: int, duration: float | None = None,
    ended_at: dt.datetime | None = None, path: str | None = None, partial: str | None = None,
) -> RecordingInfo | None:
    """Mark it ``ready`` with its final size (bytes) and duration (seconds), or ``partial``
    with the reason when the video was cut short."""
    values: dict[str, Any] = {"status": PARTIAL if partial else READY, "size": size,
                              "duration": duration, "ended_at": ended_at or utcnow()}
    if partial:
        values["error"] = partial
    if path is not None:
        values["path"] = path
    return await _update(db, recording_id, **values)


async def move(db: Database, recording_id: str, path: str) -> RecordingInfo | None:
    """The video now lives at ``path`` (an ``s3://`` URL once uploaded)."""
    return await _update(db, recording_id, path=path)


async def fail(db: Database, recording_id: str, error: str = "") -> RecordingInfo | None:
    """Mark it ``failed``, keeping why."""
    return await _update(db, recording_id, status=FAILED, error=error or None,
                         ended_at=utcnow())


def _visible(query: Select[Any], owner_id: int | None) -> Select[Any]:
    return query if owner_id is None else query.where(Recording.owner_id == owner_id)


async def get(db: Database, recording_id: str, *, owner_id: int | None = None
              ) -> RecordingInfo | None:
    async with db.session() as session:
        row = await session.scalar(
            _visible(select(Recording), owner_id).where(Recording.id == recording_id))
    return _info(row) if row else None


async def list_recordings(
    db: Database, *, owner_id: int | None = None, session_id: str | None = None,
    status: str | None = None, since: dt.datetime | None = None,
    until: dt.datetime | None = None, name: str | None = None, limit: int = 100,
    offset: int = 0,
) -> list[RecordingInfo]:
    """Newest first. ``since`` <= start < ``until``; ``name`` matches any part of the name,
    ignoring case (``%`` and ``_`` are taken literally)."""
    query = _visible(select(Recording), owner_id)
    if session_id is not None:
        query = query.where(Recording.session_id == session_id)
    if status is not None:
        query = query.where(Recording.status == status)
    if since is not None:
        query = query.where(Recording.started_at >= since)
    if until is not None:
        query = query.where(Recording.started_at < until)
    if name:
        query = query.where(Recording.name.icontains(name, autoescape=True))
    query = query.order_by(Recording.started_at.desc(), Recording.id).limit(limit).offset(offset)
    async with db.session() as session:
        return [_info(row) for row in await session.scalars(query)]


async def delete_recording(db: Database, recording_id: str, *, owner_id: int | None = None
                           ) -> RecordingInfo | None:
    """Remove the row and return what it was (the caller deletes the file); None if unseen."""
    found = await get(db, recording_id, owner_id=owner_id)
    if found is None:
        return None
    async with db.session() as session:
        await session.execute(delete(Recording).where(Recording.id == recording_id))
    return found
