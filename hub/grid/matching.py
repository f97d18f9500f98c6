"""Slot matching, as Selenium Grid's DefaultSlotMatcher does it.

Only what the client asked for is compared. ``browserName`` (with ``chromium`` an alias of
``chrome``, ``ff`` of ``firefox``, ``MiniBrowser`` one of ``webkit``), ``browserVersion``
(a prefix, so "156" matches "156.0.8078.73") and ``platformName`` are compared
case-insensitively. Vendor capabilities the driver or the hub interprets (``goog:``,
``moz:``, ``ms:``, ``se:``, ``tggrid:``, ``selenoid:``) are never compared; any other
prefixed capability only when the slot's stereotype names it too.
"""

from __future__ import annotations

from typing import Any

NEVER_MATCHED_PREFIXES = ("goog:", "moz:", "ms:", "se:", "tggrid:", "selenoid:", "webkit:")
# Other names clients use for a browser; /api/sessions/create's browserType reads them too.
BROWSER_ALIASES = {"chromium": "chrome", "googlechrome": "chrome", "google chrome": "chrome",
                   "ff": "firefox",
                   # the names WebKitGTK's driver and Selenium's WebKitGTKOptions use
                   "minibrowser": "webkit", "webkitgtk": "webkit"}
ANY_VERSION = {"", "latest", "stable", "any"}
ANY_PLATFORM = {"", "any"}


def normalise_browser(name: str) -> str:
    lowered = name.strip().lower()
    return BROWSER_ALIASES.get(lowered, lowered)


def version_matches(requested: str, offered: str) -> bool:
    """A requested version matches any offered one it is a dotted prefix of ("" matches all)."""
    wanted = requested.strip().lower()
    if wanted in ANY_VERSION:
        return True
    have = offered.strip().lower()
    return have == wanted or have.startswith(wanted + ".")


def _platform_matches(requested: str, offered: str) -> bool:
    wanted = requested.strip().lower()
    if wanted in ANY_PLATFORM:
        return True
    have = offered.strip().lower()
    unix = {"linux", "unix", "posix"}
    return wanted == have or (wanted in unix and have in unix)


def matches(stereotype: dict[str, Any], requested: dict[str, Any]) -> bool:
    """True when a slot with ``stereotype`` can serve ``requested``."""
    for name, value in requested.items():
        if name == "browserName":
            if normalise_browser(str(value)) != normalise_browser(
                str(stereotype.get("browserName", ""))
            ):
                return False
        elif name == "browserVersion":
            if not version_matches(str(value), str(stereotype.get("browserVersion", ""))):
                return False
        elif name == "platformName":
            if not _platform_matches(str(value), str(stereotype.get("platformName", ""))):
                return False
        elif (":" in name and not name.startswith(NEVER_MATCHED_PREFIXES)
              and name in stereotype and stereotype[name] != value):
            return False
    return True


def describe(stereotype: dict[str, Any]) -> str:
    """'chrome 156.0.8078.73 on linux', for error messages that say what the grid offers."""
    parts = [str(stereotype.get("browserName", "?"))]
    if stereotype.get("browserVersion"):
        parts.append(str(stereotype["browserVersion"]))
    if stereotype.get("platformName"):
        parts.append(f"on {stereotype['platformName']}")
    return " ".join(parts)
