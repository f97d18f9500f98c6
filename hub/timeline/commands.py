"""WebDriver commands as timeline steps: the W3C name of a route and the essentials of it.

The names are those of the endpoint table of the W3C WebDriver spec (section "Endpoints"),
plus Selenium's ``Is Element Displayed``. Everything here runs off the hot path, on what the
command proxy captured: method, path tail, request body and response bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hub.timeline.masking import Masker

# (method, tail pattern) -> W3C command name; {e} an element, {s} a shadow root, {n} a name.
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("DELETE", "", "Delete Session"),
    ("GET", "/timeouts", "Get Timeouts"), ("POST", "/timeouts", "Set Timeouts"),
    ("POST", "/url", "Navigate To"), ("GET", "/url", "Get Current URL"),
    ("POST", "/back", "Back"), ("POST", "/forward", "Forward"), ("POST", "/refresh", "Refresh"),
    ("GET", "/title", "Get Title"),
    ("GET", "/window", "Get Window Handle"), ("DELETE", "/window", "Close Window"),
    ("POST", "/window", "Switch To Window"), ("GET", "/window/handles", "Get Window Handles"),
    ("POST", "/window/new", "New Window"), ("POST", "/frame", "Switch To Frame"),
    ("POST", "/frame/parent", "Switch To Parent Frame"),
    ("GET", "/window/rect", "Get Window Rect"), ("POST", "/window/rect", "Set Window Rect"),
    ("POST", "/window/maximize", "Maximize Window"),
    ("POST", "/window/minimize", "Minimize Window"),
    ("POST", "/window/fullscreen", "Fullscreen Window"),
    ("GET", "/element/active", "Get Active Element"),
    ("GET", "/element/{e}/shadow", "Get Element Shadow Root"),
    ("POST", "/element", "Find Element"), ("POST", "/elements", "Find Elements"),
    ("POST", "/element/{e}/element", "Find Element From Element"),
    ("POST", "/element/{e}/elements", "Find Elements From Element"),
    ("POST", "/shadow/{s}/element", "Find Element From Shadow Root"),
    ("POST", "/shadow/{s}/elements", "Find Elements From Shadow Root"),
    ("GET", "/element/{e}/selected", "Is Element Selected"),
    ("GET", "/element/{e}/displayed", "Is Element Displayed"),
    ("GET", "/element/{e}/attribute/{n}", "Get Element Attribute"),
    ("GET", "/element/{e}/property/{n}", "Get Element Property"),
    ("GET", "/element/{e}/css/{n}", "Get Element CSS Value"),
    ("GET", "/element/{e}/text", "Get Element Text"),
    ("GET", "/element/{e}/name", "Get Element Tag Name"),
    ("GET", "/element/{e}/rect", "Get Element Rect"),
    ("GET", "/element/{e}/enabled", "Is Element Enabled"),
    ("GET", "/element/{e}/computedrole", "Get Computed Role"),
    ("GET", "/element/{e}/computedlabel", "Get Computed Label"),
    ("POST", "/element/{e}/click", "Element Click"),
    ("POST", "/element/{e}/clear", "Element Clear"),
    ("POST", "/element/{e}/value", "Element Send Keys"),
    ("GET", "/source", "Get Page Source"),
    ("POST", "/execute/sync", "Execute Script"), ("POST", "/execute/async", "Execute Async Script"),
    ("GET", "/cookie", "Get All Cookies"), ("GET", "/cookie/{n}", "Get Named Cookie"),
    ("POST", "/cookie", "Add Cookie"), ("DELETE", "/cookie/{n}", "Delete Cookie"),
    ("DELETE", "/cookie", "Delete All Cookies"),
    ("POST", "/actions", "Perform Actions"), ("DELETE", "/actions", "Release Actions"),
    ("POST", "/alert/dismiss", "Dismiss Alert"), ("POST", "/alert/accept", "Accept Alert"),
    ("GET", "/alert/text", "Get Alert Text"), ("POST", "/alert/text", "Send Alert Text"),
    ("GET", "/screenshot", "Take Screenshot"),
    ("GET", "/element/{e}/screenshot", "Take Element Screenshot"),
    ("POST", "/print", "Print Page"),
)
_PART = {"e": "(?P<element>[^/]+)", "s": "(?P<shadow>[^/]+)", "n": "(?P<name>[^/]+)"}


def _compile(tail: str) -> re.Pattern[str]:
    pattern = re.escape(tail)
    for key, group in _PART.items():
        pattern = pattern.replace(re.escape("{" + key + "}"), group)
    return re.compile(pattern + "/?$")


_ROUTES = [(method, _compile(tail), name) for method, tail, name in _TABLE]
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
SHADOW_KEY = "shadow-6066-11e4-a52e-4f735466cecf"
_MARKERS = {"Take Screenshot", "Take Element Screenshot", "Print Page", "Get Page Source"}
_FINDS = {"Find Element", "Find Elements", "Find Element From Element",
          "Find Elements From Element", "Find Element From Shadow Root",
          "Find Elements From Shadow Root"}
SMALL_RESULT = 2048  # results shown when they are at most this long (title, text, url...)
TEXT_LIMIT = 200


def command_name(method: str, tail: str) -> tuple[str, dict[str, str]]:
    """The W3C name of a command and the ids in its path; unknown ones keep method and path."""
    for wanted, pattern, name in _ROUTES:
        if wanted == method:
            found = pattern.match(tail)
            if found:
                return name, {k: v for k, v in found.groupdict().items() if v is not None}
    return f"{method} {tail[:TEXT_LIMIT] or '/'}", {}


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _json(raw: bytes | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def element_of(value: Any) -> str | None:
    if isinstance(value, dict):
        found = value.get(ELEMENT_KEY) or value.get(SHADOW_KEY)
        return found if isinstance(found, str) else None
    return None


class CommandSummary:
    """Turns captured commands of one session into steps; remembers which locator found
    each element, so a click reads ``Element Click on css "#buy"``."""

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self.locators: dict[str, str] = {}

    def step(self, method: str, tail: str, body: bytes | None, status: int,
             answer: bytes) -> dict[str, Any]:
        name, ids = command_name(method, tail)
        step: dict[str, Any] = {"kind": "webdriver", "method": method, "command": name,
                                "status": status}
        params = _json(body) if body and len(body) <= 65536 else None
        params = params if isinstance(params, dict) else {}
        target = self._target(name, ids, params)
        if target:
            step["target"] = target
        details = self._params(name, ids, params)
        if details:
            step["params"] = details
        if status >= 400 or name in _FINDS or (
                name not in _MARKERS and len(answer) <= SMALL_RESULT):
            self._result(step, name, params, _json(answer))
        elif name in _MARKERS:
            step["result"] = {"marker": name.split()[-1].lower(), "bytes": len(answer)}
        return step

    def _target(self, name: str, ids: dict[str, str], params: dict[str, Any]) -> str:
        if name == "Navigate To":
            return self.masker.text(clip(str(params.get("url", ""))))
        if name in _FINDS:
            return self.masker.text(clip(f'{params.get("using", "")} "{params.get("value", "")}"'))
        element = ids.get("element")
        if element:
            return self.locators.get(element, f"element {element[:12]}")
        return ""

    def _params(self, name: str, ids: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if ids.get("element"):
            details["element"] = ids["element"]
        if ids.get("name"):
            details["name"] = self.masker.text(clip(ids["name"]))
        if name == "Element Send Keys":
            details["text"] = self.masker.typed(str(params.get("text", "")),
                                                self.locators.get(ids.get("element", ""), ""))
        elif name == "Add Cookie":
            cookie = params.get("cookie")
            if isinstance(cookie, dict):
                details["cookie"] = clip(str(cookie.get("name", "")))
                details["value"] = self.masker.MASK
        elif name in ("Execute Script", "Execute Async Script"):
            details["script"] = self.masker.text(clip(str(params.get("script", ""))))
            if params.get("args"):
                details["args"] = self.masker.text(clip(json.dumps(params["args"])))
        elif name in ("Switch To Window", "Switch To Frame", "Set Window Rect", "Set Timeouts",
                      "New Window"):
            details.update({k: v for k, v in params.items()
                            if isinstance(v, int | float | str | type(None))})
        elif name == "Perform Actions":
            details["actions"] = _actions(params.get("actions"), self.masker)
        elif name == "Send Alert Text":
            details["text"] = self.masker.MASK
        return details

    def _result(self, step: dict[str, Any], name: str, params: dict[str, Any],
                answer: Any) -> None:
        value = answer.get("value") if isinstance(answer, dict) else None
        if isinstance(value, dict) and isinstance(value.get("error"), str):
            step["error"] = clip(value["error"])
            step["message"] = self.masker.text(clip(str(value.get("message", "")), 300))
            return
        locator = step.get("target", "")
        if name in _FINDS:
            found = value if isinstance(value, list) else [value]
            elements = [e for e in (element_of(v) for v in found) if e]
            for element in elements:
                self.locators[element] = locator
            step["result"] = {"elements": elements[:20], "count": len(elements)} if (
                name.startswith("Find Elements")) else {"element": elements[0] if elements
                                                        else None}
        elif name in ("Get All Cookies", "Get Named Cookie"):
            cookies = value if isinstance(value, list) else [value]
            step["result"] = {"cookies": [clip(str(c.get("name", ""))) for c in cookies
                                          if isinstance(c, dict)]}
        elif name == "Get Active Element" and element_of(value):
            step["result"] = {"element": element_of(value)}
        elif isinstance(value, str | int | float | bool):
            step["result"] = {"value": self.masker.text(clip(str(value)))}
        elif name in ("Get Window Handles", "Get Window Rect", "Get Element Rect"):
            step["result"] = {"value": self.masker.text(clip(json.dumps(value)))}


def _actions(actions: Any, masker: Masker) -> list[str]:
    """Each input source's actions in a word each; typed keys are masked like Send Keys."""
    out: list[str] = []
    if not isinstance(actions, list):
        return out
    for source in actions[:10]:
        if not isinstance(source, dict):
            continue
        kinds = [str(a.get("type", "")) for a in source.get("actions", [])
                 if isinstance(a, dict)]
        words = [kind for kind in kinds if kind != "pause"]
        if source.get("type") == "key" and words:
            out.append(f"key: {len([w for w in words if w == 'keyDown'])} keys {masker.MASK}")
        elif words:
            out.append(f"{source.get('type', '')}: {' '.join(words[:12])}")
    return out


def describe(step: dict[str, Any]) -> str:
    """One readable line: ``Element Click on css "#buy" -> element click intercepted``."""
    command = str(step.get("command", ""))
    text = command
    if step.get("target"):
        on = step.get("kind") == "webdriver" and command.startswith(("Element", "Get Element",
                                                                      "Is Element", "Take E"))
        text += f" on {step['target']}" if on else f" {step['target']}"
    if step.get("count", 1) > 1:
        text += f" x{step['count']}"
    if step.get("error"):
        text += f" -> {step['error']}"
    return text
