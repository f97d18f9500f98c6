"""The warm pool's profiles: what a pooled browser is started with, and whom it may serve.

A pooled browser must give its client exactly what a cold start would have given it, so each
browser has one launch profile: the capabilities its usual client sends when it asks for
nothing in particular. A request is served from the pool only when, with W3C defaults filled
in, empty option lists dropped and the slot's own fields (name, version, platform) matched,
it asks for exactly that profile; anything else starts cold.

- Chrome: W3C defaults. Selenium's ``ChromeOptions()`` adds only ``pageLoadStrategy: normal``
  and empty ``args`` and ``extensions``.
- Firefox: what Selenium's ``FirefoxOptions()`` sends: ``acceptInsecureCerts: true``,
  ``moz:debuggerAddress: true`` and the pref ``remote.active-protocols: 1`` (BiDi only). So a
  bare ``{"browserName": "firefox"}``, which asks for certificates to be checked, starts cold.

- WebKit: what Selenium's ``WebKitGTKOptions()`` sends: ``browserName: MiniBrowser`` (an
  alias of ``webkit``) and ``webkitgtk:browserOptions: {"useOverlayScrollbars": true}``. A
  bare ``{"browserName": "webkit"}`` starts cold.

No profile asks for ``webSocketUrl``: a BiDi session starts cold.
"""

from __future__ import annotations

import copy
from typing import Any

from hub.grid.matching import ANY_PLATFORM, normalise_browser, version_matches
from hub.w3c.capabilities import Capabilities

LAUNCH: dict[str, Capabilities] = {
    "chrome": {},
    "firefox": {"acceptInsecureCerts": True, "moz:debuggerAddress": True,
                "moz:firefoxOptions": {"prefs": {"remote.active-protocols": 1}}},
    "webkit": {"webkitgtk:browserOptions": {"useOverlayScrollbars": True}},
}
# What a driver assumes for a capability nobody sent.
W3C_DEFAULTS: Capabilities = {"acceptInsecureCerts": False, "pageLoadStrategy": "normal",
                              "strictFileInteractability": False, "webSocketUrl": False}
# Vendor options whose empty lists mean the same as leaving them out (ChromeOptions()).
EMPTY_DEFAULTS = {"goog:chromeOptions": {"args", "extensions"}, "moz:firefoxOptions": {"args"}}
# Capabilities that describe the request, not the browser (Selenium adds se:remoteUrl itself).
INFORMATIONAL = {"se:remoteUrl", "se:name"}
SLOT_FIELDS = {"browserName", "browserVersion", "platformName"}


def pooled(stereotype: Capabilities) -> bool:
    """Whether the pool keeps browsers of this slot's kind."""
    return normalise_browser(str(stereotype.get("browserName", ""))) in LAUNCH


def launch_capabilities(stereotype: Capabilities) -> Capabilities:
    """What the pool starts a browser of this slot's kind with."""
    browser = str(stereotype["browserName"])
    return {"browserName": browser, **copy.deepcopy(LAUNCH[normalise_browser(browser)])}


def restates_defaults(caps: Capabilities, stereotype: Capabilities) -> bool:
    """True when a browser started with :func:`launch_capabilities` is what ``caps`` asks for."""
    if not pooled(stereotype) or not _fits_slot(caps, stereotype):
        return False
    return _same(_essence(caps), _essence(launch_capabilities(stereotype)))


def _fits_slot(caps: Capabilities, stereotype: Capabilities) -> bool:
    name = caps.get("browserName", stereotype["browserName"])
    platform = str(caps.get("platformName", "")).strip().lower()
    return (normalise_browser(str(name)) == normalise_browser(str(stereotype["browserName"]))
            and version_matches(str(caps.get("browserVersion", "")),
                                str(stereotype.get("browserVersion", "")))
            and platform in ANY_PLATFORM | {"linux"})


def _essence(caps: Capabilities) -> Capabilities:
    """What the driver gets that shapes the browser, spelled one way."""
    essence = {**W3C_DEFAULTS}
    for key, value in caps.items():
        if key in INFORMATIONAL or key in SLOT_FIELDS:
            continue
        if key in EMPTY_DEFAULTS and isinstance(value, dict):
            value = {k: v for k, v in value.items()
                     if not (k in EMPTY_DEFAULTS[key] and v == [])}
            if not value:
                continue
        essence[key] = value
    return essence


def _same(one: Any, other: Any) -> bool:
    """Equality that tells 1 from True and 1.0 (a pref's type is part of the pref)."""
    if type(one) is not type(other):
        return False
    if isinstance(one, dict):
        return one.keys() == other.keys() and all(_same(one[k], other[k]) for k in one)
    if isinstance(one, list):
        return len(one) == len(other) and all(map(_same, one, other))
    return bool(one == other)
