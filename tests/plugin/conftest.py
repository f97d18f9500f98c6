"""Plugin tests: pytester runs in a child process, clean of the outer run's tggrid settings."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunSuite = Callable[..., pytest.RunResult]

CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITLAB_CI", "CI_PROJECT_DIR")

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> RunSuite:
    """``runpytest_subprocess`` with no cache, no inherited TGGRID_* or CI variables (that
    change the reports) and a generous timeout."""
    for name in list(os.environ):
        if name == "TGGRID" or name.startswith("TGGRID_") or name in CI_VARIABLES:
            monkeypatch.delenv(name)
    pytester.makeini(INI)

    def run(*args: str, timeout: float = 280) -> pytest.RunResult:
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=timeout)

    return run


def results_dir(pytester: pytest.Pytester, name: str = "tggrid-results") -> Path:
    return pytester.path / name


def test_folder(root: Path, name: str) -> Path:
    (found,) = [path for path in root.iterdir() if path.name.endswith(name)]
    return found


test_folder.__test__ = False  # type: ignore[attr-defined]


def session_info(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "session.json").read_text())


def assert_playable_video(path: Path) -> None:
    """ffprobe reads an H.264 stream with a real duration: a video a person can watch."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
         "-of", "json", str(path)], capture_output=True, text=True, check=True, timeout=60)
    data = json.loads(probe.stdout)
    assert data["streams"][0]["codec_name"] == "h264"
    assert float(data["format"]["duration"]) > 0


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
