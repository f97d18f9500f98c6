"""The CI templates pass their official schemas (bundled in check-jsonschema: no network) and
keep the run's videos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_github_workflow_is_valid(path: Path) -> None:
    done = check("vendor.github-workflows", path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "deploy.yml"]


def test_gitlab_ci_is_valid() -> None:
    done = check("vendor.gitlab-ci", ROOT / ".gitlab-ci.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_checker_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert check("vendor.github-workflows", broken).returncode != 0


def test_videos_are_kept_by_every_ci() -> None:
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "actions/upload-artifact@v4" in ci and "path: tggrid-results/" in ci
    gitlab = (ROOT / ".gitlab-ci.yml").read_text()
    assert "when: always" in gitlab and "- tggrid-results/" in gitlab
    jenkins = (ROOT / "Jenkinsfile").read_text()
    assert "testDataPublishers: [attachments()]" in jenkins
    assert "archiveArtifacts artifacts: 'tggrid-results/**'" in jenkins
