"""Options: CLI over ini over ``TGGRID_*``; prefixed names beside other plugins; browsers
parametrize the tests. No browser starts here: a given URL is only shown in the header."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_tggrid.artifacts import slug
from pytest_tggrid.options import capabilities_file
from tests.plugin.conftest import RunSuite
from tests.support.fixtures import HubFactory

UNUSED_URL = "http://127.0.0.1:9"
SUITE = """
def test_plain():
    pass

def test_on_grid(tggrid_capabilities):
    pass
"""


@pytest.mark.parametrize(
    ("ini", "env", "cli", "shown"),
    [
        ("ini-out", "env-out", "cli-out", "cli-out"),
        ("ini-out", "env-out", None, "ini-out"),
        (None, "env-out", None, "env-out"),
        (None, None, None, "tggrid-results"),
    ],
)
def test_precedence_cli_ini_env(
    pytester: pytest.Pytester, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch,
    ini: str | None, env: str | None, cli: str | None, shown: str,
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\ntggrid_output = {ini}\n")
    if env:
        monkeypatch.setenv("TGGRID_OUTPUT", env)
    monkeypatch.setenv("TGGRID_URL", UNUSED_URL)
    monkeypatch.setenv("TGGRID", "true")
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = run_suite(*(["--tggrid-output", cli] if cli else []))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"tggrid: hub {UNUSED_URL} (given), artifacts in {shown}/"])


def test_browsers_parametrize_grid_tests_only(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL, "--tggrid-browser", "chrome",
                       "--tggrid-browser", "firefox", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_suite.py::test_plain",
                                 "test_suite.py::test_on_grid[[]chrome[]]",
                                 "test_suite.py::test_on_grid[[]firefox[]]"])


def test_bad_mode_is_a_usage_error(pytester: pytest.Pytester, run_suite: RunSuite) -> None:
    pytester.makeini("[pytest]\ntggrid_video = sometimes\n")
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*tggrid video must be one of on, off, retain-on-failure*"])


def test_unreachable_hub_fails_with_its_address(
    pytester: pytest.Pytester, run_suite: RunSuite,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("--tggrid", "--tggrid-url", UNUSED_URL)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*tggrid: the hub at {UNUSED_URL} failed: no answer*"])


def test_without_tggrid_grid_tests_skip(pytester: pytest.Pytester, run_suite: RunSuite) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = run_suite("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*run pytest with --tggrid*"])


def test_capabilities_from_cli_and_marks(
    pytester: pytest.Pytester, run_suite: RunSuite, hub_factory: HubFactory,
) -> None:
    hub = hub_factory()
    pytester.makepyfile(test_caps="""
import pytest

@pytest.mark.tggrid_capabilities(**{"tggrid:options": {"screenResolution": "800x600"}})
def test_caps(tggrid_capabilities):
    assert tggrid_capabilities["browserName"] == "chrome"
    assert tggrid_capabilities["acceptInsecureCerts"] is True
    assert tggrid_capabilities["pageLoadStrategy"] == "eager"
    assert tggrid_capabilities["tggrid:options"] == {
        "enableVideo": True, "enableVNC": True, "screenResolution": "800x600",
        "name": "test_caps.py::test_caps", "videoName": "test_caps.py-test_caps"}
""")
    pytester.path.joinpath("caps.json").write_text(
        '{"acceptInsecureCerts": false, "pageLoadStrategy": "eager"}')
    result = run_suite("--tggrid", "--tggrid-url", hub.url, "--tggrid-vnc",
                       "--tggrid-capabilities-file", "caps.json",
                       "--tggrid-capability", "acceptInsecureCerts", "true")
    result.assert_outcomes(passed=1)


def test_capabilities_file_json_or_yaml(tmp_path: Path) -> None:
    (tmp_path / "caps.yaml").write_text(
        "browserName: firefox\ntggrid:options:\n  enableVNC: true\n")
    assert capabilities_file(str(tmp_path / "caps.yaml")) == {
        "browserName": "firefox", "tggrid:options": {"enableVNC": True}}
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(pytest.UsageError, match="needs a mapping of capabilities"):
        capabilities_file(str(tmp_path / "list.json"))
    with pytest.raises(pytest.UsageError, match=r"missing\.json"):
        capabilities_file(str(tmp_path / "missing.json"))


def test_slug_keeps_paths_safe_and_short() -> None:
    assert slug("tests/test_a.py::test_b[x|y]") == "tests-test_a.py-test_b-x-y"
    long_a, long_b = ("t.py::test[" + "a" * 300 + "1]"), ("t.py::test[" + "a" * 300 + "2]")
    assert len(slug(long_a)) == 100 and slug(long_a) != slug(long_b)
