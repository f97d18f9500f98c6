"""The hub as wheels, for the `hub` and `standalone` images (`tggrid images build hub`).

The images install the project with `pip install --no-index` from a wheelhouse made here on
the host, so a build needs no index, no CA bundle and no network inside the container. The
wheelhouse holds the project's wheel, built from exactly the files `project_files` lists, and
one wheel per dependency pinned to the version installed in this environment (the versions the
tests ran with). Dependency wheels are kept in a cache keyed by the pins, so they are fetched
once; the image tag hashes the project files and the pins, never the wheels themselves.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "tggrid"
ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from (pyproject's packages and its readme); nothing else of the tree.
PROJECT_TOP_FILES = ("pyproject.toml", "README.md")
PROJECT_PACKAGES = ("hub", "pytest_tggrid")
SKIPPED_PARTS = frozenset({"__pycache__"})
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tggrid" / "wheels"
PIP_TIMEOUT = 900
REPRODUCIBLE_EPOCH = "315532800"  # 1980-01-01, the earliest time a zip entry can carry
# The pytest plugin's clients: the hub never imports them, and the images run the hub only
# (tests reach it from outside), so they stay out with whatever only they need; Playwright's
# driver alone is 165 MB.
PLUGIN_ONLY = ("selenium", "playwright")

Log = Callable[[str], None]


class WheelhouseError(Exception):
    """The project or a dependency could not be turned into a wheel; the message says which."""


def pinned_requirements(project: str = PROJECT, leave_out: tuple[str, ...] = PLUGIN_ONLY
                        ) -> list[str]:
    """``name==version`` for every runtime dependency of `project`, as installed here, sorted,
    but for the ``leave_out`` distributions and what only they require.

    Walks the installed distributions' requirements with their markers evaluated for this
    interpreter (the images run the same Python minor version on the same platform) and the
    extras each requirement asks for; test and optional extras of the project are left out.
    """
    environment = {k: str(v) for k, v in default_environment().items()}
    pins: dict[str, str] = {}
    pending: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    skipped = {canonicalize_name(name) for name in leave_out}
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen or canonicalize_name(name) in skipped:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise WheelhouseError(f"{name} is required but not installed here") from exc
        if canonicalize_name(name) != canonicalize_name(project):
            pins[canonicalize_name(name)] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({**environment, "extra": extra}) for extra in extras or {""}
            ):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    return sorted(f"{name}=={version}" for name, version in pins.items())


def project_files(root: Path = ROOT) -> dict[str, Path]:
    """Each file the project's wheel is built from, by its path in the source tree."""
    files = {name: root / name for name in PROJECT_TOP_FILES}
    for package in PROJECT_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not SKIPPED_PARTS & set(relative.parts) and path.suffix != ".pyc":
                files[relative.as_posix()] = path
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise WheelhouseError(f"missing project files: {', '.join(missing)}")
    return files


def build_wheelhouse(
    dest: Path, *, pins: list[str], files: dict[str, Path], log: Log, cache: Path = CACHE_DIR
) -> None:
    """Fill `dest/deps` with a wheel per pin (from the cache when there) and their
    requirements.txt, `dest/project` with the project's wheel. Two folders, so an image
    installs the dependencies in a layer that a change to the project alone leaves cached."""
    deps, project = _mkdir(dest / "deps"), _mkdir(dest / "project")
    cached = _dependency_wheels(pins, cache, log)
    for wheel in cached.glob("*.whl"):
        shutil.copy2(wheel, deps / wheel.name)
    (deps / "requirements.txt").write_text("\n".join(pins) + "\n")
    with tempfile.TemporaryDirectory(prefix="tggrid-project-") as tmp:
        for relative, source in files.items():
            target = Path(tmp, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        log("wheels.project")
        # Fixed zip timestamps: the same files give the same wheel, so the image's venv layer
        # is reused whenever only something else changed.
        _pip(["wheel", "--no-deps", "--wheel-dir", str(project), tmp],
             env={**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH})


def _dependency_wheels(pins: list[str], cache: Path, log: Log) -> Path:
    """The cache folder holding one wheel per pin, filled by pip the first time."""
    key = hashlib.sha256("\n".join(pins).encode()).hexdigest()[:16]
    folder = cache / key
    if (folder / "complete").is_file():
        return folder
    log(f"wheels.fetch count={len(pins)} cache={folder}")
    partial = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=_mkdir(cache)))
    try:
        requirements = partial / "requirements.txt"
        requirements.write_text("\n".join(pins) + "\n")
        _pip(["wheel", "--no-deps", "--wheel-dir", str(partial), "-r", str(requirements)])
        requirements.unlink()
        (partial / "complete").write_text("\n".join(pins) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pip(arguments: list[str], env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT,
                              env=env)
    except subprocess.TimeoutExpired as exc:
        raise WheelhouseError(f"pip {arguments[0]} took over {PIP_TIMEOUT} s") from exc
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise WheelhouseError(f"pip {' '.join(arguments[:2])} exited {done.returncode}:\n{tail}")
