"""Each CI template's end-to-end step, taken from the template file, run here for real in a
scratch checkout; then what that CI would do with the step's exit status and files. GitLab and
Jenkins run the suite on the embedded hub; GitHub's job runs it, and the example scripts, on
the standalone image started as its service container (built from this checkout, published on
a free loopback port instead of 4444). The example suite has one test failing on purpose."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from tests.plugin.ci_steps import (
    STEPS,
    Step,
    github_examples,
    github_service,
    scratch_checkout,
    uploaded_files,
)
from tests.plugin.conftest import assert_playable_video
from tests.support import standalone

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAILING_ID = "examples/pytest_suite/test_example.py::test_checkout_total"
FAILING = Path("tggrid-results") / "examples-pytest_suite-test_example.py-test_checkout_total"


@dataclasses.dataclass(frozen=True)
class Run:
    step: Step
    checkout: Path
    scratch: Path
    done: subprocess.CompletedProcess[str]

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr

    def attachments(self, report: Path) -> list[str]:
        """The failing test's ``[[ATTACHMENT|path]]`` paths in one JUnit XML file."""
        (case,) = [c for c in ET.parse(report).iter("testcase")
                   if c.get("name") == "test_checkout_total"]
        out = case.findtext("system-out") or ""
        return re.findall(r"^\[\[ATTACHMENT\|(.*)\]\]$", out, re.M)


TEMPLATE_URL = "http://127.0.0.1:4444"
CI_PARAMS = [pytest.param(ci, marks=[pytest.mark.docker] if ci == "github" else [])
             for ci in sorted(STEPS)]


@pytest.fixture(scope="module")
def grid_service() -> Iterator[str]:
    """The e2e job's service container as the template declares it (this checkout's
    standalone image, shm 2g, 4444 on the loopback), on a free port: the hub's URL."""
    service = github_service()
    assert service.image.endswith("/tggrid-standalone:${{ github.sha }}")
    assert service.ports == ("127.0.0.1:4444:4444",) and "--shm-size 2g" in service.options
    client = docker.from_env()
    try:
        with standalone.service(client, standalone.build(client)) as url:
            yield url
    finally:
        client.close()


def on_the_service(step: Step, request: pytest.FixtureRequest) -> Step:
    """GitHub's step with its TGGRID_URL pointed at the running service container."""
    if step.ci != "github":
        return step
    assert step.env["TGGRID_URL"] == TEMPLATE_URL
    url = request.getfixturevalue("grid_service")
    return dataclasses.replace(step, env={**step.env, "TGGRID_URL": url})


@pytest.fixture(scope="module", params=CI_PARAMS)
def ran(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One run of the example suite per template, shared by the checks below."""
    step = on_the_service(STEPS[request.param](), request)
    scratch = tmp_path_factory.mktemp(request.param)
    checkout = scratch_checkout(scratch / "checkout")
    return Run(step, checkout, scratch, step.run(checkout, scratch, timeout=280))


def test_the_step_tolerates_the_failing_example(ran: Run) -> None:
    assert ran.done.returncode in ran.step.tolerated, ran.output
    assert re.search(r"\b1 failed, 2 passed\b", ran.done.stdout), ran.output


def test_uploads_hold_the_failing_tests_files(ran: Run) -> None:
    if ran.done.returncode != 0:  # e.g. GitLab's allowed failure: the job still failed
        assert ran.step.uploads_on_failure, "the CI would drop the artifacts"
    files = uploaded_files(ran.step, ran.checkout)
    for name in ("video.mp4", "screenshot.png"):
        path = ran.checkout / FAILING / name
        assert path in files and path.stat().st_size > 0, sorted(files)
    reports = [ran.checkout / report for report in ran.step.reports]
    junit = reports + sorted(f for f in files if f.suffix == ".xml")
    assert junit and all(path.is_file() for path in junit), ran.step
    for report in junit:
        assert len(ran.attachments(report)) == 5, report.read_text()  # with page.html


def github_shows(run: Run) -> None:
    """The step summary's table lists the failing test, and only it."""
    summary = (run.scratch / "step-summary.md").read_text()
    assert f"| `{FAILING_ID}` | chrome |" in summary
    assert "test_basket_lists_items" not in summary


def gitlab_shows(run: Run) -> None:
    """The test report's one attachment (the first) opens: a screenshot by a path relative to
    ``$CI_PROJECT_DIR``, inside the job's artifacts, with no ``[``, ``]`` or ``|``."""
    files = uploaded_files(run.step, run.checkout)
    for report in run.step.reports:
        first = run.attachments(run.checkout / report)[0]
        assert first == f"{FAILING}/screenshot.png"
        assert not set(first) & set("[]|")
        assert run.checkout / first in files


def jenkins_shows(run: Run) -> None:
    """The attachments publisher finds every file by its absolute path in the workspace."""
    for report in run.step.reports:
        paths = [Path(p) for p in run.attachments(run.checkout / report)]
        assert paths[0] == (run.checkout / FAILING / "screenshot.png").resolve()
        assert all(p.is_absolute() and p.is_file() for p in paths), paths
        assert all(p.is_relative_to(run.checkout.resolve()) for p in paths), paths


SHOWS: dict[str, Callable[[Run], None]] = {
    "github": github_shows, "gitlab": gitlab_shows, "jenkins": jenkins_shows}


def test_the_ci_shows_the_failing_test(ran: Run) -> None:
    SHOWS[ran.step.ci](ran)


@pytest.mark.parametrize("ci", CI_PARAMS)
def test_another_failure_fails_the_step(
    ci: str, tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    """Only the one expected failure is tolerated: a collection error fails the job."""
    step = on_the_service(STEPS[ci](), request)
    checkout = scratch_checkout(tmp_path / "checkout")
    (checkout / "examples" / "pytest_suite" / "test_broken.py").write_text(
        "import a_module_nobody_installed\n")
    done = step.run(checkout, tmp_path, timeout=280)
    assert done.returncode not in step.tolerated, done.stdout + done.stderr
    assert "1 error" in done.stdout, done.stdout


@pytest.mark.docker
def test_the_github_example_scripts_step_runs_against_the_service(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    """Selenium (a recorded session whose video is downloaded) and Playwright over /cdp, on
    the standalone service container."""
    step = on_the_service(github_examples(), request)
    checkout = scratch_checkout(tmp_path / "checkout")
    done = step.run(checkout, tmp_path, timeout=280)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("heading: Hello from the grid") == 2, done.stdout
    assert_playable_video(checkout / "selenium-example.mp4")
