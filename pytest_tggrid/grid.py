"""The hub of a run as the fixtures see it, and how one test's capabilities are put together."""

from __future__ import annotations

import copy
import dataclasses
import urllib.parse
from typing import Any

import pytest

from pytest_tggrid.artifacts import slug
from pytest_tggrid.hub import HubClient
from pytest_tggrid.options import Options

CDP_OPTIONS = ("name", "enableVideo", "enableVNC", "screenResolution", "videoName", "timeZone",
               "sessionTimeout")


@dataclasses.dataclass(frozen=True)
class Grid:
    """The hub of this run: its URL, the token, a client for its ``/api`` and what it offers."""

    url: str
    token: str
    options: Options
    client: HubClient
    offers: tuple[str, ...] = ()
    embedded: bool = False

    @property
    def webdriver_url(self) -> str:
        return self.url

    def cdp_url(self, tggrid_options: dict[str, Any]) -> str:
        """``ws://<hub>/cdp?...``: the session options travel as query parameters."""
        query = {key: _text(value) for key, value in tggrid_options.items()
                 if key in CDP_OPTIONS}
        base = "ws" + self.url.removeprefix("http")
        return f"{base}/cdp?{urllib.parse.urlencode(query)}"


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Capabilities merged one level deep, so ``tggrid:options`` from a mark adds to the run's."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def session_capabilities(options: Options) -> dict[str, Any]:
    """Capabilities of every session in the run: the run's extra ones and the media modes."""
    caps = merge({}, options.capabilities)
    wanted = {"enableVideo": options.video != "off", "enableVNC": options.vnc}
    caps["tggrid:options"] = {**wanted, **caps.get("tggrid:options", {})}
    return caps


def test_capabilities(node: pytest.Item, run_caps: dict[str, Any],
                      browser: str) -> dict[str, Any]:
    """One test's capabilities: the run's, the browser, then ``tggrid_capabilities`` marks
    (the closest mark wins); the session is named after the node id."""
    caps = merge(run_caps, {"browserName": browser})
    for mark in reversed(list(node.iter_markers("tggrid_capabilities"))):
        caps = merge(caps, dict(mark.kwargs))
    names = {"name": node.nodeid, "videoName": slug(node.nodeid)}
    caps["tggrid:options"] = {**names, **caps.get("tggrid:options", {})}
    if caps["browserName"] == "chrome":
        caps.setdefault("goog:loggingPrefs", {"browser": "ALL"})
    return caps


test_capabilities.__test__ = False  # type: ignore[attr-defined]


def video_on(caps: dict[str, Any]) -> bool:
    return bool((caps.get("tggrid:options") or {}).get("enableVideo"))


NOT_RECORDED = ("not recorded: the grid's node for this session records no video (a relay "
                "node), so there is none to keep")


def not_recorded(requested: dict[str, Any], answered: dict[str, Any]) -> str:
    """Why the grid keeps no video of a session that asked for one, or "": the hub's answer
    says ``enableVideo: false`` when the node does not film (a relay) and gives no video
    link, so there is nothing to wait for or download."""
    options = answered.get("tggrid:options")
    if (video_on(requested) and "tggrid:videoUrl" not in answered
            and isinstance(options, dict) and options.get("enableVideo") is False):
        return NOT_RECORDED
    return ""
