"""Command-line options, ini keys and ``TGGRID_*`` variables, resolved into one object.

Every name carries the ``tggrid`` prefix so the plugin sits beside pytest-selenium,
pytest-playwright and SeleniumBase without a clash. Precedence: CLI > ini > environment.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import pytest

VIDEO_MODES = ("on", "off", "retain-on-failure")
SCREENSHOT_MODES = ("on", "off", "only-on-failure")
BROWSERS = ("chrome", "firefox", "webkit")

# name -> (help, default, ini type); the CLI flag is --tggrid-<name>, the env var TGGRID_<NAME>.
SETTINGS: dict[str, tuple[str, Any, str]] = {
    "url": ("Hub URL (no /wd/hub assumed). Without it an embedded hub is started.", "", "string"),
    "token": ("API token for a hub with auth on.", "", "string"),
    "browser": ("Browser to run on; repeat to run every test once per browser.", [], "args"),
    "video": ("Keep videos: on, off or retain-on-failure.", "retain-on-failure", "string"),
    "screenshot": ("Screenshots: on, off or only-on-failure.", "only-on-failure", "string"),
    "vnc": ("Give sessions a VNC screen and put the viewer link in the report.", False, "bool"),
    "output": ("Folder for videos, screenshots and session data.", "tggrid-results", "string"),
}


@dataclasses.dataclass(frozen=True)
class Options:
    """What the plugin was asked to do, after CLI, ini and environment were merged."""

    enabled: bool
    url: str
    token: str
    browsers: tuple[str, ...]
    capabilities: dict[str, Any]
    video: str
    screenshot: str
    vnc: bool
    output: str

    def keeps_video(self, failed: bool) -> bool:
        return self.video == "on" or (self.video == "retain-on-failure" and failed)

    def takes_screenshot(self, failed: bool) -> bool:
        return self.screenshot == "on" or (self.screenshot == "only-on-failure" and failed)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("tggrid", "TGGrid browser grid")
    group.addoption("--tggrid", action="store_true", default=None,
                    help="Run browser tests on a TGGrid hub (env TGGRID).")
    parser.addini("tggrid", "Run browser tests on a TGGrid hub.", type="bool", default=None)
    for name, (text, _default, ini_type) in SETTINGS.items():
        flag = f"--tggrid-{name}"
        kwargs: dict[str, Any] = {"dest": f"tggrid_{name}", "help": f"{text} (env TGGRID_"
                                  f"{name.upper()})"}
        if name == "browser":
            kwargs.update(action="append", choices=BROWSERS)
        elif name == "vnc":
            kwargs.update(action="store_true", default=None)
        elif name == "video":
            kwargs.update(choices=VIDEO_MODES)
        elif name == "screenshot":
            kwargs.update(choices=SCREENSHOT_MODES)
        group.addoption(flag, **kwargs)
        parser.addini(f"tggrid_{name}", text, type=ini_type, default=None)  # type: ignore[arg-type]
    group.addoption("--tggrid-capability", nargs=2, action="append", metavar=("KEY", "VALUE"),
                    dest="tggrid_capability",
                    help="Extra capability (VALUE read as JSON when it parses); repeatable.")
    parser.addini("tggrid_capabilities", "Extra capabilities as KEY=VALUE lines.",
                  type="linelist", default=None)


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _pick(config: pytest.Config, name: str, default: Any) -> Any:
    cli = config.getoption(f"tggrid_{name}")
    if cli not in (None, []):
        return cli
    ini = config.getini(f"tggrid_{name}")
    if ini not in (None, [], ""):
        return ini
    env = os.environ.get(f"TGGRID_{name.upper()}")
    if env:
        if isinstance(default, bool):
            return _env_bool(env)
        if isinstance(default, list):
            return env.replace(",", " ").split()
        return env
    return default


def capability_value(text: str) -> Any:
    """``true``, ``12`` or ``{"a": 1}`` as JSON; anything else stays a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _capabilities(config: pytest.Config) -> dict[str, Any]:
    pairs: list[tuple[str, str]] = []
    for line in config.getini("tggrid_capabilities") or []:
        key, sep, value = line.partition("=")
        if sep:
            pairs.append((key.strip(), value.strip()))
    pairs.extend(tuple(pair) for pair in config.getoption("tggrid_capability") or [])
    return {key: capability_value(value) for key, value in pairs}


def _check(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise pytest.UsageError(f"tggrid {name} must be one of {', '.join(allowed)}: {value!r}")
    return value


def resolve(config: pytest.Config) -> Options:
    enabled = config.getoption("tggrid")
    if enabled is None:
        enabled = config.getini("tggrid")
    if enabled is None:
        enabled = _env_bool(os.environ.get("TGGRID", ""))
    browsers = tuple(dict.fromkeys(_pick(config, "browser", []))) or ("chrome",)
    for browser in browsers:
        _check("browser", browser, BROWSERS)
    return Options(
        enabled=bool(enabled),
        url=str(_pick(config, "url", "")).rstrip("/"),
        token=str(_pick(config, "token", "")),
        browsers=browsers,
        capabilities=_capabilities(config),
        video=_check("video", str(_pick(config, "video", "retain-on-failure")), VIDEO_MODES),
        screenshot=_check("screenshot", str(_pick(config, "screenshot", "only-on-failure")),
                          SCREENSHOT_MODES),
        vnc=bool(_pick(config, "vnc", False)),
        output=str(_pick(config, "output", "tggrid-results")),
    )
