"""The artifacts folder: a run removes only what the plugin wrote, and refuses folders that
are not its own (the rootdir, the working directory, their parents, someone else's files)."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import RunSuite

UNUSED_URL = "http://127.0.0.1:9"
PLAIN = "def test_plain():\n    pass\n"


@pytest.mark.parametrize("given", [".", "..", "{root}", "{root}/.."])
def test_rootdir_cwd_and_parents_are_refused(
    pytester: pytest.Pytester, run_suite: RunSuite, given: str,
) -> None:
    pytester.makepyfile(test_plain=PLAIN)
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL,
                       "--tggrid-output", given.format(root=pytester.path))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--tggrid-output * is the rootdir or one of its parents*"])
    assert (pytester.path / "test_plain.py").exists()


@pytest.mark.parametrize(("given", "message"), [
    ("reports", "*reports holds files the plugin did not write*"),
    ("out", "*--tggrid-output * is a file, not a folder*"),
])
def test_someone_elses_folder_or_a_file_is_refused_and_kept(
    pytester: pytest.Pytester, run_suite: RunSuite, given: str, message: str,
) -> None:
    pytester.makepyfile(test_plain=PLAIN)
    keep = pytester.path / "reports" / "keep.txt"
    keep.parent.mkdir()
    keep.write_text("mine")
    (pytester.path / "out").write_text("x")
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL, "--tggrid-output", given)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert keep.read_text() == "mine" and (pytester.path / "out").read_text() == "x"


def test_only_what_the_plugin_wrote_is_removed(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    """A marked folder: the entries the marker lists go, a file a person added stays."""
    pytester.makepyfile(test_plain=PLAIN)
    out = pytester.path / "tggrid-results"
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL)
    result.assert_outcomes(passed=1)
    assert (out / ".tggrid-output").is_file()
    (out / "test-old").mkdir()
    (out / "test-old" / "video.mp4").write_bytes(b"old")
    (out / "notes.txt").write_text("mine")
    (out / ".tggrid-output").write_text(
        '{"entries": ["test-old", "../test_plain.py", ".."]}')
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL)
    result.assert_outcomes(passed=1)
    assert not (out / "test-old").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (pytester.path / "test_plain.py").exists()
