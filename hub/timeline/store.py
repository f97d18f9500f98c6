"""Where a session's steps are kept: a JSON-lines file beside its video.

``<recording_dir>/<session id>.steps.jsonl``, one step a line, appended in order. Beside the
recording because the steps belong to it: they are read against its clock, kept as long as
it is and deleted with it (the recording service's deletion and the retention sweep), and a
session without a database row or on a hub without one still has them. Appending a line
needs no schema, no migration and no transaction per step. A page is read by counting lines
(thousands of steps are a few hundred kilobytes) and parsing only the lines of the page.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

SUFFIX = ".steps.jsonl"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class StepStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, session_id: str) -> Path | None:
        """The file of a session; None for an id that could not be one (no path games)."""
        if not _SAFE_ID.match(session_id):
            return None
        return self.directory / f"{session_id}{SUFFIX}"

    def append(self, session_id: str, steps: list[dict[str, Any]]) -> None:
        path = self.path(session_id)
        if path is None or not steps:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(step, ensure_ascii=False, separators=(",", ":")) + "\n"
                        for step in steps)
        with path.open("a", encoding="utf-8") as out:
            out.write(lines)

    def read(self, session_id: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many steps there are, the steps of the page); (0, []) for none."""
        path = self.path(session_id)
        if path is None:
            return 0, []
        try:
            with path.open("rb") as source:
                page = [json.loads(line) for line in itertools.islice(
                    source, offset, offset + limit)]
                total = offset + len(page) + sum(1 for _ in source)
        except FileNotFoundError:
            return 0, []
        if not page and offset:
            total = self.count(session_id)
        return total, page

    def count(self, session_id: str) -> int:
        path = self.path(session_id)
        if path is None:
            return 0
        try:
            with path.open("rb") as source:
                return sum(1 for _ in source)
        except FileNotFoundError:
            return 0

    def exists(self, session_id: str) -> bool:
        path = self.path(session_id)
        return path is not None and path.is_file()

    def delete(self, session_id: str) -> None:
        path = self.path(session_id)
        if path is not None:
            path.unlink(missing_ok=True)

    def sweep(self, older_than_days: float) -> int:
        """Delete step files not written for ``older_than_days`` (the recording retention)."""
        if older_than_days <= 0 or not self.directory.is_dir():
            return 0
        cutoff = time.time() - older_than_days * 86400
        removed = 0
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed
