"""Video file names from client input, which must never leave the recording directory.

``videoName`` comes from capabilities anyone may send: only its last path component is kept,
reduced to a conservative character set, and the result is checked to resolve inside the
recording directory. An existing file is never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_STEM = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(name: str) -> str:
    """A file stem made of ``[A-Za-z0-9._-]``, no leading dots; empty when nothing is left."""
    last = re.split(r"[\\/]", name.strip())[-1]
    if last.lower().endswith(".mp4"):
        last = last[:-4]
    stem = _UNSAFE.sub("_", last).strip("._-")
    return stem[:MAX_STEM].rstrip("._-")


def video_path(directory: Path, session_id: str, video_name: str | None) -> Path:
    """Where a session's video goes: ``<videoName>.mp4`` or ``<sessionId>.mp4``, never taken."""
    root = directory.resolve()
    stem = safe_stem(video_name or "") or safe_stem(session_id) or "video"
    candidate = root / f"{stem}.mp4"
    if candidate.exists():
        candidate = root / f"{stem}-{safe_stem(session_id)[:12] or 'session'}.mp4"
    counter = 2
    while candidate.exists():
        candidate = root / f"{stem}-{counter}.mp4"
        counter += 1
    if candidate.resolve().parent != root:
        raise ValueError(f"video name {video_name!r} leaves the recording directory")
    return candidate
