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


def test_deploys_check_health_and_roll_back_with_the_script() -> None:
    """Every deploy goes through scripts/deploy-check.sh (tests/plugin/test_deploy_check.py)
    with the tag it deploys and the one it replaces."""
    deploy = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert deploy.count('scripts/deploy-check.sh "$HUB_URL" "$VERSION" "$previous"') == 2
    assert "compose.yaml" in deploy and "deploy/kubernetes" in deploy
    gitlab = (ROOT / ".gitlab-ci.yml").read_text()
    assert 'scripts/deploy-check.sh "$HUB_URL" "$CI_COMMIT_SHORT_SHA" "$previous"' in gitlab
    jenkins = (ROOT / "Jenkinsfile").read_text()
    assert 'scripts/deploy-check.sh "$HUB_URL" "$GIT_COMMIT" "$previous"' in jenkins
    # a VPS runs the repository's compose.yaml: the pushed hub image goes to both hubs, and the
    # tag it replaces is the running hub's (no file that nothing reads)
    for template in (deploy, gitlab, jenkins):
        assert "HUB_IMAGE=$image docker compose -p tggrid up -d --no-deps hub1 hub2" in template
        assert "docker inspect --format '{{.Config.Image}}' tggrid-hub1-1" in template
        assert "image.env" not in template


def test_gitlab_pushes_with_password_stdin_needs_caches_and_deploys_by_hand() -> None:
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load((ROOT / ".gitlab-ci.yml").read_text())
    logins = [line for line in config["images"]["script"] if "docker login" in line]
    assert logins and all("--password-stdin" in line and " -p " not in line for line in logins)
    assert config["deploy"]["rules"][0]["when"] == "manual"
    assert config["deploy"]["environment"]["name"] == "production"
    jobs = [v for k, v in config.items() if isinstance(v, dict) and "script" in v]
    assert all("needs" in job for job in jobs)
    assert config["e2e"]["cache"]["paths"] == [".cache/pip"]
    assert config["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"


def test_jenkins_is_non_root_and_notifies_success_and_failure() -> None:
    jenkins = (ROOT / "Jenkinsfile").read_text()
    assert 'test "$(id -u)" != 0' in jenkins
    assert "credentials('tggrid-registry')" in jenkins and "--password-stdin" in jenkins
    assert "sshagent(credentials: ['tggrid-deploy'])" in jenkins
    for block in ("success", "failure"):
        assert f"{block} {{\n            slackSend" in jenkins
