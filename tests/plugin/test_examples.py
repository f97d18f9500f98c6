"""The examples run as their README says: scripts against a hub, the suite on its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin.conftest import RunSuite, assert_playable_video, results_dir, test_folder
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("script", ["selenium_example.py", "playwright_example.py"])
def test_script_runs_on_a_hub(script: str, hub_factory: HubFactory, tmp_path: Path) -> None:
    hub = hub_factory("--max-sessions", "1")
    done = subprocess.run([sys.executable, str(EXAMPLES / script), hub.url], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "heading: Hello from the grid" in done.stdout
    if script == "selenium_example.py":
        assert_playable_video(tmp_path / "selenium-example.mp4")


def test_example_suite_fails_once_and_keeps_that_video(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    shutil.copy(EXAMPLES / "pytest_suite" / "test_example.py", pytester.path)
    result = run_suite("--tggrid")
    result.assert_outcomes(passed=2, failed=1)
    assert_playable_video(test_folder(results_dir(pytester), "test_checkout_total") / "video.mp4")
