"""Two distributions from this repository, each built as a wheel and installed into a fresh
virtualenv: ``pytest-tggrid`` (the plugin with only selenium and pytest) runs a test on a hub
elsewhere; ``tggrid`` (the hub, plugin included) runs one on its embedded hub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fixtures import HubFactory

# Building two wheels and two virtualenvs takes minutes on a loaded machine.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
SUITE = """
def test_title(tggrid_driver):
    tggrid_driver.get("data:text/html,<title>packaged</title>")
    assert tggrid_driver.title == "packaged"
"""
SERVER_ONLY = ("aiohttp", "asyncpg", "docker", "alembic", "sqlalchemy")


def _run(*args: str | Path, cwd: Path | None = None, check: bool = True,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TGGRID", "PYTEST", "VIRTUAL_ENV"))}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wheels")
    for project in (ROOT / "packaging" / "pytest-tggrid", ROOT):
        _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", folder, project)
    found = {path.name.split("-")[0]: path for path in folder.glob("*.whl")}
    assert set(found) == {"pytest_tggrid", "tggrid"}
    return found


def _venv(path: Path, *packages: str | Path) -> Path:
    _run(sys.executable, "-m", "venv", path)
    _run(path / "bin" / "pip", "install", "-q", *packages)
    return path / "bin" / "python"


def _installed(python: Path) -> set[str]:
    listed = _run(python, "-m", "pip", "list", "--format=freeze").stdout
    return {line.split("==")[0].lower() for line in listed.splitlines()}


def test_the_plugin_alone_runs_on_a_hub_elsewhere(
    wheels: dict[str, Path], tmp_path: Path, hub_factory: HubFactory,
) -> None:
    python = _venv(tmp_path / "venv", wheels["pytest_tggrid"])
    assert not _installed(python) & set(SERVER_ONLY)
    (tmp_path / "test_suite.py").write_text(SUITE)
    hub = hub_factory("--max-sessions", "1")
    done = _run(python, "-m", "pytest", "-p", "no:cacheprovider", "--tggrid",
                "--tggrid-url", hub.url, "--tggrid-screenshot", "on", cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "tggrid-results" / "test_suite.py-test_title" / "screenshot.png").is_file()
    # no URL and no hub installed: a clear usage error, not a traceback
    done = _run(python, "-m", "pytest", "-p", "no:cacheprovider", "--tggrid", cwd=tmp_path,
                check=False)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "the embedded hub needs the hub itself, which is not installed: pip install tggrid" \
        in done.stderr


def test_the_hub_distribution_runs_the_embedded_hub(
    wheels: dict[str, Path], tmp_path: Path,
) -> None:
    python = _venv(tmp_path / "venv", wheels["tggrid"], "pytest")
    (tmp_path / "test_suite.py").write_text(SUITE)
    done = _run(python, "-m", "pytest", "-p", "no:cacheprovider", "--tggrid", cwd=tmp_path,
                check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(embedded)" in done.stdout
    assert _run(tmp_path / "venv" / "bin" / "tggrid", "--version").stdout.startswith("tggrid ")
