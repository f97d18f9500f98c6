"""Attachment paths as each CI can open them: relative to the checkout on GitLab, absolute
elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_tggrid.junit import attachment_lines


def failed_test(folder: Path) -> list[dict[str, object]]:
    files = {"screenshot": str(folder / "screenshot.png"), "video": str(folder / "video.mp4")}
    return [{"outcome": "failed", "files": files}]


def test_gitlab_gets_paths_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    lines = attachment_lines(failed_test(tmp_path / "tggrid-results" / "test_x"))
    assert lines == ["[[ATTACHMENT|tggrid-results/test_x/screenshot.png]]",
                     "[[ATTACHMENT|tggrid-results/test_x/video.mp4]]"]


def test_gitlab_keeps_absolute_paths_outside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "project"))
    outside = tmp_path / "elsewhere" / "test_x"
    assert attachment_lines(failed_test(outside))[0] == \
        f"[[ATTACHMENT|{outside / 'screenshot.png'}]]"


def test_other_cis_get_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jenkins' attachments publisher resolves absolute paths; a stray CI_PROJECT_DIR outside
    GitLab changes nothing."""
    monkeypatch.delenv("GITLAB_CI", raising=False)
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    folder = tmp_path / "tggrid-results" / "test_x"
    assert attachment_lines(failed_test(folder))[0] == \
        f"[[ATTACHMENT|{folder / 'screenshot.png'}]]"
