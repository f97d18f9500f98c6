"""W3C capability processing (WebDriver section 7.2) and the hub's own session options.

``process_capabilities`` runs the spec's "process capabilities" up to matching: validate
``alwaysMatch``, then every ``firstMatch`` entry ("validate capabilities", with the spec's
deserializers for page load strategy, proxy, timeouts and unhandled prompt behavior), then
"merging capabilities". Every step raises :class:`InvalidArgument` as the spec says; values
are checked, never rewritten, since the driver behind the hub deserializes them again.
``prefer_exact_matches`` orders the merged list as "matching capabilities" would pick
(exact ``browserName``/``platformName`` first), leaving Selenium Grid's case-insensitive
matching as the fallback. ``SessionOptions.from_capabilities`` reads TGGrid's, Selenium
Grid's and Selenoid's vendor options into one form, so suites written for any of them work.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from typing import Any

from hub.w3c.errors import InvalidArgument

MAX_SAFE_INTEGER = 2**53 - 1
PAGE_LOAD_STRATEGIES = {"none", "eager", "normal"}
PROMPT_BEHAVIOURS = {  # the spec's "known prompt handlers"
    "dismiss", "accept", "dismiss and notify", "accept and notify", "ignore",
}
PROMPT_TYPES = {"alert", "beforeUnload", "confirm", "default", "file", "prompt"}
PROXY_TYPES = {"pac", "direct", "autodetect", "system", "manual"}
TIMEOUT_KEYS = {"script", "pageLoad", "implicit"}
RESOLUTION = re.compile(r"^(\d{2,5})x(\d{2,5})(?:x(8|16|24|32))?$")
# "A host and optional port": credentials allowed, no scheme, no path (see _host_and_port).
HOST_AND_PORT = re.compile(
    r"^(?:[^@/\s]+@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/@\s\[\]]+)(?::(?P<port>\d{1,5}))?$")

Capabilities = dict[str, Any]


def _is_integer(value: Any) -> bool:
    """A JSON integer; Python's json module also reads Infinity and NaN, which are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or (math.isfinite(value) and value.is_integer())


def deserialize_timeouts(value: Any) -> Any:
    """The spec's "deserialize as timeouts configuration" (unknown keys are refused)."""
    if not isinstance(value, dict):
        raise InvalidArgument(f"capability 'timeouts' must be an object, got {value!r}")
    for key, amount in value.items():
        if key not in TIMEOUT_KEYS:
            raise InvalidArgument(f"unknown timeout {key!r} in capability 'timeouts'")
        if amount is None and key == "script":
            continue
        if not _is_integer(amount):
            raise InvalidArgument(f"timeout {key!r} must be an integer, got {amount!r}")
        if not 0 <= amount <= MAX_SAFE_INTEGER:
            raise InvalidArgument(f"timeout {key!r} is out of range: {amount!r}")
    return value


def deserialize_page_load_strategy(value: Any) -> Any:
    """The spec's "deserialize as a page load strategy"."""
    if not isinstance(value, str):
        raise InvalidArgument(
            f"capability 'pageLoadStrategy' must be a string, got {type(value).__name__}")
    if value not in PAGE_LOAD_STRATEGIES:
        raise InvalidArgument(
            f"capability 'pageLoadStrategy' must be one of none, eager, normal; got {value!r}")
    return value


def deserialize_prompt_behavior(value: Any) -> Any:
    """The spec's "deserialize as an unhandled prompt behavior": a known prompt handler, or
    a map from valid prompt types (``alert``, ``beforeUnload``, ``default``, ...) to one."""
    if isinstance(value, str):
        if value not in PROMPT_BEHAVIOURS:
            raise InvalidArgument(f"unknown unhandledPromptBehavior {value!r}; known: "
                                  f"{', '.join(sorted(PROMPT_BEHAVIOURS))}")
        return value
    if not isinstance(value, dict):
        raise InvalidArgument("capability 'unhandledPromptBehavior' must be a string or "
                              f"an object, got {type(value).__name__}")
    for prompt_type, handler in value.items():
        if prompt_type not in PROMPT_TYPES:
            raise InvalidArgument(f"unhandledPromptBehavior: {prompt_type!r} is not a prompt "
                                  f"type ({', '.join(sorted(PROMPT_TYPES))})")
        if not isinstance(handler, str) or handler not in PROMPT_BEHAVIOURS:
            raise InvalidArgument(f"unhandledPromptBehavior: {handler!r} for {prompt_type!r} "
                                  "is not a known prompt handler")
    return value


def _host_and_port(key: str, value: Any) -> None:
    """Valid values of httpProxy, sslProxy, socksProxy: host[:port], no scheme."""
    match = HOST_AND_PORT.match(value) if isinstance(value, str) else None
    if match is None or (match.group("port") and not 0 <= int(match.group("port")) <= 65535):
        raise InvalidArgument(
            f"proxy: {key!r} must be a host and optional port such as 'proxy.local:3128' "
            f"(no scheme), got {value!r}")


def _proxy_value(key: str, value: Any) -> None:
    if key == "proxyType":
        if not isinstance(value, str) or value not in PROXY_TYPES:
            raise InvalidArgument(f"proxy: proxyType must be one of "
                                  f"{', '.join(sorted(PROXY_TYPES))}; got {value!r}")
    elif key == "proxyAutoconfigUrl":
        if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
            raise InvalidArgument(f"proxy: proxyAutoconfigUrl must be a URL, got {value!r}")
    elif key in {"httpProxy", "sslProxy", "socksProxy"}:
        _host_and_port(key, value)
    elif key == "noProxy":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidArgument(f"proxy: noProxy must be a list of strings, got {value!r}")
    elif key == "socksVersion":
        if not _is_integer(value) or not 0 <= value <= 255:
            raise InvalidArgument(
                f"proxy: socksVersion must be an integer 0-255, got {value!r}")
    else:
        raise InvalidArgument(f"proxy: unknown key {key!r}")


def deserialize_proxy(value: Any) -> Any:
    """The spec's "deserialize as a proxy", step by step."""
    if not isinstance(value, dict):
        raise InvalidArgument(f"capability 'proxy' must be an object, got {value!r}")
    for key, item in value.items():
        _proxy_value(key, item)
    if "proxyType" not in value:
        raise InvalidArgument("proxy: proxyType is required")
    if value["proxyType"] == "pac" and "proxyAutoconfigUrl" not in value:
        raise InvalidArgument("proxy: proxyType 'pac' needs a proxyAutoconfigUrl")
    if "socksProxy" in value and "socksVersion" not in value:
        raise InvalidArgument("proxy: socksProxy needs a socksVersion")
    return value


def _validate_one(name: str, value: Any) -> None:
    """One step of "validate capabilities": the first matching condition for ``name``."""
    def expect(kind: type, what: str) -> None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise InvalidArgument(f"capability {name!r} must be {what}, got {value!r}")

    if name in {"acceptInsecureCerts", "setWindowRect", "strictFileInteractability",
                "webSocketUrl"}:
        expect(bool, "a boolean")
    elif name in {"browserName", "browserVersion", "platformName", "userAgent"}:
        expect(str, "a string")
    elif name == "pageLoadStrategy":
        deserialize_page_load_strategy(value)
    elif name == "proxy":
        deserialize_proxy(value)
    elif name == "timeouts":
        deserialize_timeouts(value)
    elif name == "unhandledPromptBehavior":
        deserialize_prompt_behavior(value)
    elif ":" not in name:
        raise InvalidArgument(
            f"unknown capability {name!r}: extension capabilities need a vendor prefix "
            "such as 'goog:' or 'tggrid:'"
        )


def validate_capabilities(capabilities: Any, where: str) -> Capabilities:
    """The spec's "validate capabilities"; null entries are dropped as it says."""
    if not isinstance(capabilities, dict):
        raise InvalidArgument(f"{where} must be a JSON object, got {type(capabilities).__name__}")
    result: Capabilities = {}
    for name, value in capabilities.items():
        if value is None:
            continue
        _validate_one(name, value)
        result[name] = value
    return result


def merge_capabilities(primary: Capabilities, secondary: Capabilities, where: str
                       ) -> Capabilities:
    """The spec's "merging capabilities": a key in both is invalid argument."""
    overlap = sorted(set(primary) & set(secondary))
    if overlap:
        raise InvalidArgument(f"{where} repeats alwaysMatch capabilities: {overlap}")
    return {**primary, **secondary}


def process_capabilities(body: Any) -> list[Capabilities]:
    """From a New Session body to the merged candidate list, in firstMatch order (the
    spec's "process capabilities" steps 1-7; matching is the grid's)."""
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
    # Undefined means {}; null is a value, and not an object (step 2).
    always = validate_capabilities(requested.get("alwaysMatch", {}), "alwaysMatch")
    first_match = requested.get("firstMatch", [{}])
    if not isinstance(first_match, list) or not first_match:
        raise InvalidArgument("'firstMatch' must be a non-empty JSON array")
    validated = [validate_capabilities(entry, f"firstMatch[{index}]")
                 for index, entry in enumerate(first_match)]
    return [merge_capabilities(always, entry, f"firstMatch[{index}]")
            for index, entry in enumerate(validated)]


def matches_exactly(stereotype: Capabilities, caps: Capabilities) -> bool:
    """The spec's "matching capabilities" for the names it defines: ``browserName`` and
    ``platformName`` equal to the slot's, as strings (``browserVersion`` comparison is left
    to implementations: the grid's prefix match decides it)."""
    return all(caps[name] == stereotype.get(name)
               for name in ("browserName", "platformName") if name in caps)


def prefer_exact_matches(candidates: list[Capabilities], stereotypes: Iterable[Capabilities]
                         ) -> list[Capabilities]:
    """The merged list in the order the spec would try it: entries some slot matches
    exactly first (in firstMatch order), then the rest for the grid's case-insensitive
    fallback."""
    offered = list(stereotypes)
    exact = [caps for caps in candidates if any(matches_exactly(s, caps) for s in offered)]
    return exact + [caps for caps in candidates if caps not in exact]


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
