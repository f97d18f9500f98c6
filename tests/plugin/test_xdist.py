"""``pytest --tggrid -n 2``: one embedded hub for both workers, every artifact gathered."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import RunSuite, assert_playable_video, results_dir, session_info

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITE = """
import os
import time

import pytest

@pytest.mark.parametrize("n", range(4))
def test_fails(tggrid_driver, n):
    tggrid_driver.get(f"data:text/html,<h1>{n}</h1>")
    time.sleep(1)
    assert False, os.environ["PYTEST_XDIST_WORKER"]

def test_passes(tggrid_driver):
    tggrid_driver.get("data:text/html,<h1>ok</h1>")
"""


def test_two_workers_share_one_hub(pytester: pytest.Pytester, run_suite: RunSuite) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "-n", "2", "-v", "--tggrid-vnc")

    result.assert_outcomes(passed=1, failed=4)
    output = result.stdout.str()
    assert "[gw0]" in output and "[gw1]" in output
    assert output.count("tggrid: hub http://127.0.0.1:") == 1
    # the workers' live links reach the controller's terminal as each test starts
    for n in range(4):
        assert f"tggrid: live view of test_suite.py::test_fails[{n}]: http" in output
    assert "tggrid: live view of test_suite.py::test_passes: http" in output
    infos = [session_info(folder) for folder in results_dir(pytester).iterdir()
             if folder.is_dir()]
    assert len(infos) == 5
    assert len({info["hub"] for info in infos}) == 1
    failing = [info for info in infos if info["outcome"] == "failed"]
    assert len(failing) == 4
    for info in failing:
        assert_playable_video(results_dir(pytester) / info["files"]["video"])
    # the controller reports what both workers saved
    assert output.count("    video: ") == 4
    # the marker lists every folder the workers wrote, so the next run removes them
    marker = (results_dir(pytester) / ".tggrid-output").read_text()
    assert all(folder.name in marker for folder in results_dir(pytester).iterdir()
               if folder.is_dir())
