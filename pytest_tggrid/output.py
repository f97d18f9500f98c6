"""The artifacts folder: made by the plugin, marked as its own, and only its own files removed.

A run never empties a folder it did not make. ``--tggrid-output`` naming the rootdir, the
working directory, one of their parents, a file, or a non-empty folder without the plugin's
marker is a usage error. A folder with the marker lists what earlier runs wrote in it; only
those entries are removed when a new run starts, so a file a person put there stays.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

MARKER = ".tggrid-output"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check(output: Path, rootdir: Path, cwd: Path) -> None:
    """Refuse, with a usage error, an output folder the plugin may not clear."""
    output = output.resolve()
    for name, guarded in (("the rootdir", rootdir.resolve()), ("the working directory",
                                                               cwd.resolve())):
        if _inside(guarded, output):
            raise pytest.UsageError(
                f"--tggrid-output {output} is {name} or one of its parents; the plugin would "
                f"write into a folder it also clears: name a folder of its own, such as "
                f"tggrid-results")
    if output.exists() and not output.is_dir():
        raise pytest.UsageError(f"--tggrid-output {output} is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise pytest.UsageError(
            f"--tggrid-output {output} holds files the plugin did not write (it has no "
            f"{MARKER} marker); it is never cleared: name a new or empty folder")


def _listed(output: Path) -> list[str]:
    try:
        entries = json.loads((output / MARKER).read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [name for name in entries if isinstance(name, str)]


def prepare(output: Path, rootdir: Path, cwd: Path) -> None:
    """Check the folder, remove what earlier runs of the plugin wrote in it, and mark it."""
    check(output, rootdir, cwd)
    output.mkdir(parents=True, exist_ok=True)
    for name in _listed(output):
        target = output / name
        if Path(name).name != name or name in {"", ".", "..", MARKER}:
            continue  # a name from the marker never leads outside the folder
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists() or target.is_symlink():
            target.unlink(missing_ok=True)
    remember(output, [], replace=True)


def remember(output: Path, paths: Iterable[str], replace: bool = False) -> None:
    """Add the top-level entries under which ``paths`` lie to the marker's list."""
    output = output.resolve()
    names = [] if replace else _listed(output)
    for path in paths:
        try:
            relative = Path(path).resolve().relative_to(output)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] not in names:
            names.append(relative.parts[0])
    data = {"createdBy": "pytest-tggrid", "entries": sorted(names)}
    (output / MARKER).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
