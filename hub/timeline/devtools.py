"""CDP and BiDi messages as timeline steps, summarised so one test reads as a short list.

A call (client -> browser) becomes a step when its response arrives (or the socket closes);
housekeeping domains (``Network``, ``Target``, ``Fetch``, ``*.enable`` ...) are dropped, and
only events a person looks for are kept (navigations, dialogs, exceptions, crashes).
Consecutive identical steps (a run of mouse moves, a polling loop) merge into one with a count.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hub.timeline.commands import clip
from hub.timeline.masking import Masker

# Calls nobody reads in a test's timeline: set-up, network plumbing, target bookkeeping.
_NOISY_CALL = re.compile(
    r"^(Network|Target|Fetch|Log|Security|ServiceWorker|Browser|Performance|Storage|Inspector"
    r"|Emulation|Accessibility|Audits|Overlay|CSS|Debugger|Profiler|HeapProfiler|Tracing"
    r"|IO|Media|SystemInfo|Schema|network|session|log|browser)\.|"
    r"\.(enable|disable|setLifecycleEventsEnabled|getFrameTree|addScriptToEvaluateOnNewDocument"
    r"|createIsolatedWorld|addBinding|runIfWaitingForDebugger|setAutoAttach|getTargets"
    r"|setInterceptFileChooserDialog|setFontFamilies|setBypassCSP|getResourceTree|releaseObject"
    r"|releaseObjectGroup|setDownloadBehavior|getLayoutMetrics|getBrowserContexts"
    r"|addPreloadScript|removePreloadScript|subscribe|unsubscribe)$")
# Events worth a line; everything else the browser sends is dropped.
_EVENTS = {
    "Page.frameNavigated", "Page.javascriptDialogOpening", "Page.loadEventFired",
    "Runtime.exceptionThrown", "Inspector.targetCrashed", "Page.downloadWillBegin",
    "browsingContext.load", "browsingContext.userPromptOpened",
    "browsingContext.navigationStarted", "log.entryAdded",
}
_SCREENSHOTS = {"Page.captureScreenshot", "browsingContext.captureScreenshot", "Page.printToPDF",
                "browsingContext.print"}
_ID = re.compile(rb'"id"\s*:\s*(\d+)')
MAX_OPEN = 10_000  # calls awaiting their answer, per websocket
BIG = 4096  # answers longer than this are kept only as their first bytes (screenshots)


def head(data: bytes) -> bytes:
    """What the hot path keeps of a message from the browser: all of a small one, the start
    of a big one (enough for its id)."""
    return data if len(data) <= BIG else data[:200]


class DevtoolsSummary:
    """One websocket's messages (either protocol) into steps; holds calls until answered."""

    def __init__(self, kind: str, masker: Masker) -> None:
        self.kind = kind
        self.masker = masker
        self._calls: dict[int, dict[str, Any]] = {}

    def from_client(self, at: float, data: bytes) -> None:
        message = _load(data)
        if not isinstance(message, dict):
            return
        method, ident = message.get("method"), message.get("id")
        if not isinstance(method, str) or not isinstance(ident, int) or _NOISY_CALL.search(
                method):
            return
        step: dict[str, Any] = {"kind": self.kind, "command": method, "at": at, "until": at}
        params = message.get("params")
        summary = self._params(method, params if isinstance(params, dict) else {})
        if summary:
            step["target"] = summary
        if len(self._calls) >= MAX_OPEN:  # a client that never reads its answers
            self._calls.pop(next(iter(self._calls)))
        self._calls[ident] = step  # ids are unique per connection (CDP and BiDi clients)

    def from_browser(self, at: float, data: bytes, size: int) -> dict[str, Any] | None:
        """The step this message completes or is, if any."""
        if size > len(data):  # a big answer, cut: only its id matters
            found = _ID.search(data)
            step = self._calls.pop(int(found.group(1)) if found else -1, None)
            if step is not None:
                step["until"] = at
                if step["command"] in _SCREENSHOTS:
                    step["result"] = {"marker": "screenshot", "bytes": size}
            return step
        message = _load(data)
        if not isinstance(message, dict):
            return None
        ident = message.get("id")
        if isinstance(ident, int):
            step = self._calls.pop(ident, None)
            if step is None:
                return None
            step["until"] = at
            if step["command"] in _SCREENSHOTS:
                step["result"] = {"marker": "screenshot", "bytes": size}
            error = message.get("error")
            if isinstance(error, dict):
                step["error"] = clip(str(error.get("error") or error.get("code", "error")))
                step["message"] = self.masker.text(clip(str(error.get("message", "")), 300))
            elif isinstance(error, str):
                step["error"] = clip(error)
                step["message"] = self.masker.text(clip(str(message.get("message", "")), 300))
            return step
        method = message.get("method")
        if method in _EVENTS:
            params = message.get("params")
            return self._event(at, str(method), params if isinstance(params, dict) else {})
        return None

    def unanswered(self) -> list[dict[str, Any]]:
        """Calls still open when the socket closed."""
        steps = list(self._calls.values())
        self._calls.clear()
        for step in steps:
            step["error"] = "no answer"
        return steps

    def _params(self, method: str, params: dict[str, Any]) -> str:
        if method in ("Page.navigate", "browsingContext.navigate"):
            return self.masker.text(clip(str(params.get("url", ""))))
        if method == "Input.dispatchMouseEvent":
            return f"{params.get('type', '')} at {params.get('x', '')},{params.get('y', '')}"
        if method == "Input.dispatchKeyEvent":
            return f"{params.get('type', '')} {Masker.MASK}"
        if method in ("Input.insertText", "Input.imeSetComposition"):
            return Masker.MASK
        if method in ("Runtime.evaluate", "script.evaluate"):
            text = " ".join(str(params.get("expression", "")).split())
            return self.masker.text(clip(text, 120))
        if method in ("Runtime.callFunctionOn", "script.callFunction"):
            text = " ".join(str(params.get("functionDeclaration", "")).split())
            return self.masker.text(clip(text, 120))
        if method == "input.performActions":
            kinds = [str(s.get("type", "")) for s in params.get("actions", [])
                     if isinstance(s, dict)]
            return " ".join(kinds)
        return ""

    def _event(self, at: float, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        step: dict[str, Any] = {"kind": self.kind, "command": method, "at": at, "until": at,
                                "event": True}
        if method == "Page.frameNavigated":
            frame = params.get("frame", {})
            if not isinstance(frame, dict) or frame.get("parentId"):
                return None  # only the main frame's navigations
            step["target"] = self.masker.text(clip(str(frame.get("url", ""))))
        elif method in ("browsingContext.load", "browsingContext.navigationStarted"):
            step["target"] = self.masker.text(clip(str(params.get("url", ""))))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            step["error"] = "exception"
            step["message"] = self.masker.text(clip(str(text), 300))
        elif method == "log.entryAdded":
            if params.get("level") != "error":
                return None
            step["error"] = "console error"
            step["message"] = self.masker.text(clip(str(params.get("text", "")), 300))
        elif method in ("Page.javascriptDialogOpening", "browsingContext.userPromptOpened"):
            step["target"] = self.masker.text(clip(str(params.get("message", ""))))
        elif method == "Inspector.targetCrashed":
            step["error"] = "crashed"
        return step


def _load(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def merge(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive CDP/BiDi steps with the same command and target (and no error) become
    one; WebDriver commands are each kept (a test sent each on purpose)."""
    out: list[dict[str, Any]] = []
    for step in steps:
        last = out[-1] if out else None
        if (last is not None and step.get("kind") != "webdriver"
                and not step.get("error") and not last.get("error")
                and last.get("command") == step.get("command")
                and _run_key(last) == _run_key(step)):
            last["until"] = step["until"]
            last["count"] = last.get("count", 1) + 1
            continue
        out.append(step)
    return out


def _run_key(step: dict[str, Any]) -> str:
    """Mouse moves merge whatever their coordinates; other steps when their target matches."""
    target = str(step.get("target", ""))
    if step.get("command") == "Input.dispatchMouseEvent" and target.startswith("mouseMoved"):
        return "mouseMoved"
    return target
