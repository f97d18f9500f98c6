"""W3C capability processing (WebDriver §7.2) and the hub's own session options.

``process_capabilities`` validates ``alwaysMatch`` and every ``firstMatch`` entry and merges
them into the list of candidate capability sets, exactly as the spec's "process capabilities"
does before matching. ``SessionOptions.from_capabilities`` reads TGGrid's, Selenium Grid's and
Selenoid's vendor options into one form, so suites written for any of them work unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from hub.w3c.errors import InvalidArgument

MAX_SAFE_INTEGER = 2**53 - 1
PAGE_LOAD_STRATEGIES = {"none", "eager", "normal"}
PROMPT_BEHAVIOURS = {
    "dismiss", "accept", "dismiss and notify", "accept and notify", "ignore",
}
RESOLUTION = re.compile(r"^(\d{2,5})x(\d{2,5})(?:x(8|16|24|32))?$")

Capabilities = dict[str, Any]


def _validate_timeouts(value: Any) -> None:
    if not isinstance(value, dict):
        raise InvalidArgument(f"capability 'timeouts' must be an object, got {value!r}")
    for key, amount in value.items():
        if key not in {"script", "pageLoad", "implicit"}:
            raise InvalidArgument(f"unknown timeout {key!r} in capability 'timeouts'")
        if amount is None and key == "script":
            continue
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount != int(amount):
            raise InvalidArgument(f"timeout {key!r} must be an integer, got {amount!r}")
        if not 0 <= amount <= MAX_SAFE_INTEGER:
            raise InvalidArgument(f"timeout {key!r} is out of range: {amount!r}")


def _validate_one(name: str, value: Any) -> None:
    def expect(kind: type | tuple[type, ...], what: str) -> None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise InvalidArgument(f"capability {name!r} must be {what}, got {value!r}")

    if name in {"acceptInsecureCerts", "setWindowRect", "strictFileInteractability",
                "webSocketUrl"}:
        expect(bool, "a boolean")
    elif name in {"browserName", "browserVersion", "platformName", "userAgent"}:
        expect(str, "a string")
    elif name == "pageLoadStrategy":
        if value not in PAGE_LOAD_STRATEGIES:
            raise InvalidArgument(
                f"capability 'pageLoadStrategy' must be one of none, eager, normal; got {value!r}"
            )
    elif name == "proxy":
        expect(dict, "an object")
    elif name == "timeouts":
        _validate_timeouts(value)
    elif name == "unhandledPromptBehavior":
        if isinstance(value, str):
            if value not in PROMPT_BEHAVIOURS:
                raise InvalidArgument(f"unknown unhandledPromptBehavior {value!r}")
        elif not isinstance(value, dict):
            raise InvalidArgument("capability 'unhandledPromptBehavior' must be a string or object")
    elif ":" not in name:
        raise InvalidArgument(
            f"unknown capability {name!r}: extension capabilities need a vendor prefix "
            "such as 'goog:' or 'tggrid:'"
        )


def validate_capabilities(capabilities: Any, where: str) -> Capabilities:
    """Validate one capabilities object; null entries are dropped as the spec says."""
    if not isinstance(capabilities, dict):
        raise InvalidArgument(f"{where} must be a JSON object, got {type(capabilities).__name__}")
    result: Capabilities = {}
    for name, value in capabilities.items():
        if value is None:
            continue
        _validate_one(name, value)
        result[name] = value
    return result


def process_capabilities(body: Any) -> list[Capabilities]:
    """From a New Session body to the merged candidate list, in firstMatch order."""
    if not isinstance(body, dict):
        raise InvalidArgument("the new session body must be a JSON object")
    requested = body.get("capabilities")
    if requested is None:
        raise InvalidArgument(
            "the new session body has no 'capabilities' object; W3C clients send "
            "{'capabilities': {'alwaysMatch': {...}, 'firstMatch': [...]}}"
        )
    if not isinstance(requested, dict):
        raise InvalidArgument("'capabilities' must be a JSON object")
    always_match = requested.get("alwaysMatch")
    always = validate_capabilities({} if always_match is None else always_match, "alwaysMatch")
    first_match = requested.get("firstMatch", [{}])
    if not isinstance(first_match, list) or not first_match:
        raise InvalidArgument("'firstMatch' must be a non-empty JSON array")
    merged: list[Capabilities] = []
    for index, entry in enumerate(first_match):
        validated = validate_capabilities(entry, f"firstMatch[{index}]")
        overlap = set(validated) & set(always)
        if overlap:
            raise InvalidArgument(
                f"firstMatch[{index}] repeats alwaysMatch capabilities: {sorted(overlap)}"
            )
        merged.append({**always, **validated})
    return merged


def _parse_resolution(value: Any) -> tuple[int, int, int]:
    match = RESOLUTION.match(str(value).strip())
    if not match:
        raise InvalidArgument(
            f"screenResolution must look like 1920x1080 or 1920x1080x24, got {value!r}"
        )
    width, height = int(match.group(1)), int(match.group(2))
    depth = int(match.group(3) or 24)
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise InvalidArgument(f"screenResolution {value!r} is out of range")
    return width, height, depth


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise InvalidArgument(f"option {name!r} must be a boolean, got {value!r}")


def _as_seconds(name: str, value: Any) -> float:
    """Durations: numbers are seconds; Selenoid-style strings like '90s', '5m' are accepted."""
    if isinstance(value, bool):
        raise InvalidArgument(f"option {name!r} must be a number of seconds, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", str(value))
        if not match:
            raise InvalidArgument(f"option {name!r} must be a duration, got {value!r}")
        scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
        seconds = float(match.group(1)) * scale
    if seconds <= 0:
        raise InvalidArgument(f"option {name!r} must be positive, got {value!r}")
    return seconds


@dataclasses.dataclass
class SessionOptions:
    """The hub's reading of a session's vendor options, whichever vendor spelled them."""

    name: str | None = None
    idle_timeout: float | None = None
    screen_resolution: tuple[int, int, int] = (1920, 1080, 24)
    enable_vnc: bool = False
    enable_video: bool = False
    video_name: str | None = None
    video_frame_rate: int = 30
    time_zone: str | None = None
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def needs_screen(self) -> bool:
        return self.enable_vnc or self.enable_video

    @classmethod
    def from_capabilities(cls, caps: Capabilities) -> SessionOptions:
        """Read Selenoid, then Selenium Grid, then TGGrid options; later ones win."""
        options = cls()
        selenoid = caps.get("selenoid:options") or {}
        tggrid = caps.get("tggrid:options") or {}
        for key, value in (("selenoid:options", selenoid), ("tggrid:options", tggrid)):
            if not isinstance(value, dict):
                raise InvalidArgument(f"capability {key!r} must be an object")
        grid = {
            "name": caps.get("se:name"),
            "screenResolution": caps.get("se:screenResolution"),
            "enableVNC": caps.get("se:vncEnabled"),
            "enableVideo": caps.get("se:recordVideo"),
            "videoName": caps.get("se:videoName"),
            "timeZone": caps.get("se:timeZone"),
        }
        for source in (selenoid, grid, tggrid):
            options._apply(source)
        return options

    def _apply(self, source: dict[str, Any]) -> None:
        for key, value in source.items():
            if value is None:
                continue
            if key == "name":
                self.name = str(value)
            elif key in {"idleTimeout", "sessionTimeout"}:
                self.idle_timeout = _as_seconds(key, value)
            elif key == "screenResolution":
                self.screen_resolution = _parse_resolution(value)
            elif key == "enableVNC":
                self.enable_vnc = _as_bool(key, value)
            elif key == "enableVideo":
                self.enable_video = _as_bool(key, value)
            elif key == "videoName":
                self.video_name = str(value)
            elif key == "videoFrameRate":
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
                    raise InvalidArgument(f"videoFrameRate must be an integer 1-60, got {value!r}")
                self.video_frame_rate = value
            elif key == "timeZone":
                self.time_zone = str(value)
            elif key == "env":
                self.env.update(_parse_env(value))
            elif key == "labels":
                if not isinstance(value, dict):
                    raise InvalidArgument("option 'labels' must be an object")
                self.labels.update({str(k): str(v) for k, v in value.items()})


def _parse_env(value: Any) -> dict[str, str]:
    """Selenoid sends env as ["KEY=value", ...]; an object is accepted too."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        pairs = {}
        for item in value:
            key, sep, val = str(item).partition("=")
            if not sep or not key:
                raise InvalidArgument(f"env entry {item!r} is not KEY=value")
            pairs[key] = val
        return pairs
    raise InvalidArgument("option 'env' must be a list of KEY=value or an object")


HUB_ONLY_PREFIXES = ("tggrid:", "selenoid:", "se:")


def driver_capabilities(caps: Capabilities) -> Capabilities:
    """What the node's driver gets: the hub's own options and matched fields removed."""
    return {
        key: value for key, value in caps.items()
        if not key.startswith(HUB_ONLY_PREFIXES)
        and key not in {"browserVersion", "platformName"}
    }
