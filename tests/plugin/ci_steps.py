"""The end-to-end step of each CI template, read from the template file itself, and what that
CI does with the step's exit status and files.

Only what the templates use is understood; anything else raises, so a template that grows a
feature this reader does not model fails the tests instead of being run wrongly. The step's
commands run as the CI would run them, except the lines in ``SKIPPED`` (see there).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML  # installed with check-jsonschema

ROOT = Path(__file__).resolve().parents[2]

# scripts/setup.sh installs Debian packages and the virtualenv, both done on this machine. Run
# from a scratch copy it would also re-install the project into the shared .venv from that
# copy, so the step's line is left out: the CI runs it before the suite, the tests here do not.
SKIPPED = frozenset({"scripts/setup.sh"})
EVERY_STATUS = frozenset(range(256))


@dataclasses.dataclass(frozen=True)
class Step:
    """One CI's end-to-end step and what the CI keeps of it."""

    ci: str
    shell: tuple[str, ...]
    script: str
    env: dict[str, str]
    tolerated: frozenset[int]  # exit statuses that do not fail the job (or the build)
    uploads: tuple[str, ...]  # paths or globs uploaded / archived after the step
    uploads_on_failure: bool
    reports: tuple[str, ...]  # JUnit XML files the CI reads

    def ci_variables(self, checkout: Path, scratch: Path) -> dict[str, str]:
        """What the CI itself sets in the step's environment (the parts the plugin reads)."""
        if self.ci == "github":
            return {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(checkout),
                    "GITHUB_STEP_SUMMARY": str(scratch / "step-summary.md")}
        if self.ci == "gitlab":
            return {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(checkout)}
        return {"WORKSPACE": str(checkout)}

    def run(self, checkout: Path, scratch: Path,
            timeout: float) -> subprocess.CompletedProcess[str]:
        """The step's script in ``checkout``, with a clean environment and the CI's variables."""
        env = {k: v for k, v in os.environ.items() if not _ci_or_plugin_variable(k)}
        if self.ci == "github":  # actions/setup-python and the job's pip install: on PATH
            env["PATH"] = f"{checkout / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.update(self.ci_variables(checkout, scratch))
        env.update({k: _expand(v, env) for k, v in self.env.items()})
        return subprocess.run([*self.shell, "-c", self.script], cwd=checkout, env=env,
                              capture_output=True, text=True, timeout=timeout)


def _ci_or_plugin_variable(name: str) -> bool:
    return (name in {"CI", "TGGRID", "GITLAB_CI", "WORKSPACE"}
            or name.startswith(("TGGRID_", "GITHUB_", "CI_", "PYTEST_")))


def _expand(value: str, env: dict[str, str]) -> str:
    """``$NAME`` / ``${NAME}`` in a variable's value, as GitLab and GitHub expand them."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def _yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def _no_expressions(env: dict[str, Any]) -> dict[str, str]:
    for key, value in env.items():
        if not isinstance(value, str) or "${{" in value:
            raise ValueError(f"unmodelled env value {key}={value!r}")
    return env


# GitHub's shells on Linux: none given -> "bash -e {0}"; "bash" -> with pipefail.
GITHUB_SHELLS = {None: ("bash", "-e"),
                 "bash": ("bash", "--noprofile", "--norc", "-eo", "pipefail")}


def _github_e2e_job() -> tuple[dict[str, Any], dict[str, Any]]:
    workflow = _yaml(ROOT / ".github" / "workflows" / "ci.yml")
    job = workflow["jobs"]["e2e"]
    if "defaults" in job or "defaults" in workflow:
        raise ValueError("unmodelled: defaults")
    return workflow, job


def _github_step(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any], *,
                 uploads: list[dict[str, Any]]) -> Step:
    if "working-directory" in step:
        raise ValueError("unmodelled: working-directory")
    paths = [line.strip() for s in uploads for line in s["with"]["path"].splitlines()
             if line.strip()]
    if any(p.startswith("!") for p in paths):
        raise ValueError("unmodelled: exclusions in upload-artifact paths")
    return Step(
        ci="github", shell=GITHUB_SHELLS[step.get("shell")], script=step["run"],
        env=_no_expressions({**workflow.get("env", {}), **job.get("env", {}),
                             **step.get("env", {})}),
        tolerated=frozenset({0}), uploads=tuple(paths),
        uploads_on_failure=bool(uploads) and all(
            "always()" in s.get("if", "") or "failure()" in s.get("if", "") for s in uploads),
        reports=())


def github() -> Step:
    """``.github/workflows/ci.yml``: the e2e job's step that runs pytest with ``--tggrid``.
    Its earlier steps (checkout, setup-python, pip install) are this machine's state; its
    service container is started by the test (``github_service``)."""
    workflow, job = _github_e2e_job()
    steps = job["steps"]
    index = next(i for i, s in enumerate(steps) if "--tggrid" in s.get("run", ""))
    uploads = [s for s in steps[index + 1:]
               if s.get("uses", "").startswith("actions/upload-artifact@")]
    return _github_step(workflow, job, steps[index], uploads=uploads)


GITHUB_EXAMPLES = "Example scripts against the grid"


def github_examples() -> Step:
    """The e2e job's step that runs the two example scripts against the service container;
    nothing of it is uploaded."""
    workflow, job = _github_e2e_job()
    step = next(s for s in job["steps"] if s.get("name") == GITHUB_EXAMPLES)
    return _github_step(workflow, job, step, uploads=[])


@dataclasses.dataclass(frozen=True)
class Service:
    """The e2e job's one service container: which image, on which ports, with what options."""

    image: str
    ports: tuple[str, ...]  # docker run -p values
    options: str


def github_service() -> Service:
    """``jobs.e2e.services``: exactly one service, the standalone image of this commit."""
    _, job = _github_e2e_job()
    ((_, service),) = job["services"].items()
    unmodelled = set(service) - {"image", "credentials", "ports", "options"}
    if unmodelled:
        raise ValueError(f"unmodelled service keys: {sorted(unmodelled)}")
    return Service(image=service["image"], ports=tuple(str(p) for p in service["ports"]),
                   options=service.get("options", ""))


def gitlab() -> Step:
    """``.gitlab-ci.yml``: the job whose script runs pytest with ``--tggrid``, in GitLab
    Runner's bash (``set -eo pipefail``, one script line after another)."""
    config = _yaml(ROOT / ".gitlab-ci.yml")
    name, job = next((n, j) for n, j in config.items()
                     if isinstance(j, dict) and "--tggrid" in "".join(j.get("script", [])))
    if "after_script" in job or "extends" in job:
        raise ValueError(f"unmodelled keys in job {name}")
    before = job.get("before_script", config.get("default", {}).get("before_script", []))
    lines = [line for line in [*before, *job["script"]] if line.strip() not in SKIPPED]
    allowed = job.get("allow_failure", False)
    if allowed is True:
        tolerated = EVERY_STATUS
    elif isinstance(allowed, dict):
        codes = allowed["exit_codes"]
        tolerated = frozenset({0, *([codes] if isinstance(codes, int) else codes)})
    else:
        tolerated = frozenset({0})
    artifacts = job.get("artifacts", {})
    junit = artifacts.get("reports", {}).get("junit", [])
    return Step(
        ci="gitlab", shell=("bash", "-eo", "pipefail"), script="\n".join(lines),
        env=_no_expressions({**config.get("variables", {}), **job.get("variables", {})}),
        tolerated=tolerated, uploads=tuple(artifacts.get("paths", [])),
        uploads_on_failure=artifacts.get("when", "on_success") in {"always", "on_failure"},
        reports=(junit,) if isinstance(junit, str) else tuple(junit))


# The Jenkinsfile is Groovy, not data, so two regular expressions read it: the first
# ``sh '''...'''`` inside ``stage('End to end')`` (no other ``stage(`` in between), and the
# ``junit testResults:`` / ``archiveArtifacts artifacts:`` strings of ``post { always { ... } }``.
JENKINS_STAGE_SH = re.compile(
    r"stage\('End to end'\)(?:(?!stage\().)*?\bsh\s+'''(?P<script>.*?)'''", re.S)
JENKINS_POST = re.compile(r"\bpost\s*\{\s*always\s*\{(?P<body>.*)", re.S)
JENKINS_ENVIRONMENT = re.compile(r"\benvironment\s*\{(?P<body>[^}]*)\}")


def jenkins() -> Step:
    """``Jenkinsfile``: the 'End to end' stage's ``sh`` step, which Jenkins runs as ``sh -xe``.
    A non-zero status fails the build; test failures only make it UNSTABLE through ``junit``."""
    text = (ROOT / "Jenkinsfile").read_text()
    stage = JENKINS_STAGE_SH.search(text)
    post = JENKINS_POST.search(text)
    if stage is None or post is None:
        raise ValueError("no 'End to end' sh step or no post { always { } } in the Jenkinsfile")
    # In a Groovy '''...''' string a backslash before a newline joins the lines; the template
    # uses no other escape, and a different one would be misread here.
    script = stage["script"].replace("\\\n", "")
    if "\\" in script:
        raise ValueError("unmodelled Groovy escape in the 'End to end' sh step")
    environment = JENKINS_ENVIRONMENT.search(text)
    env = dict(re.findall(r"(\w+)\s*=\s*'([^']*)'", environment["body"])) if environment else {}
    results = re.search(r"junit\s+testResults:\s*'([^']*)'", post["body"])
    archived = re.search(r"archiveArtifacts\s+artifacts:\s*'([^']*)'", post["body"])
    if results is None or archived is None:
        raise ValueError("no junit testResults or archiveArtifacts in post { always { } }")
    # testResults also names reports/junit.xml, the 'Test' stage's report (allowEmptyResults):
    # only what this stage's script writes is kept.
    reports = tuple(p.strip() for p in results[1].split(",")
                    if p.strip().split("/")[0] + "/" in script)
    return Step(
        ci="jenkins", shell=("sh", "-xe"), script=script, env=env, tolerated=frozenset({0}),
        uploads=tuple(p.strip() for p in archived[1].split(",")), uploads_on_failure=True,
        reports=reports)


STEPS = {"github": github, "gitlab": gitlab, "jenkins": jenkins}


def scratch_checkout(dest: Path) -> Path:
    """What the step needs of a checkout: the example suite, the pytest configuration and the
    root conftest copied (so their outputs land in ``dest``), the code and .venv linked."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "examples", dest / "examples",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in (".venv", "hub", "pytest_tggrid", "tests", "scripts"):
        (dest / name).symlink_to(ROOT / name)
    return dest


def uploaded_files(step: Step, checkout: Path) -> set[Path]:
    """Every file the CI would upload or archive: directories whole, globs as globs."""
    found: set[Path] = set()
    for pattern in step.uploads:
        matches = list(checkout.glob(pattern.rstrip("/"))) if any(
            c in pattern for c in "*?[") else [checkout / pattern]
        for match in matches:
            found |= ({p for p in match.rglob("*") if p.is_file()} if match.is_dir()
                      else {match} if match.is_file() else set())
    return found
