"""A failing test's timeline: its session's steps from the hub (``steps.json``), a readable
list for pytest-html, and the command that failed, named for the terminal summary."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from pytest_tggrid.hub import HubClient, HubError

PAGE = 1000
MAX_STEPS = 20_000
SETTLE = 3.0  # the hub writes steps every half second; the last ones land just after quit


def fetch_steps(client: HubClient, session_id: str) -> list[dict[str, Any]]:
    """Every step of the session, once its last one (the quit) is stored or ``SETTLE``
    seconds have passed."""
    deadline = time.monotonic() + SETTLE
    while True:
        steps: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None and len(steps) < MAX_STEPS:
            page = client.request("GET", f"/api/sessions/{session_id}/steps?offset={offset}"
                                         f"&limit={PAGE}")
            steps.extend(page["steps"])
            offset = page["next"]
        finished = bool(steps) and steps[-1].get("command") == "Delete Session"
        if finished or time.monotonic() > deadline:
            return steps
        time.sleep(0.5)


def failing_step(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last command that failed (events the browser sent do not count)."""
    for step in reversed(steps):
        if step.get("error") and not step.get("event"):
            return step
    return None


def save(client: HubClient, session_id: str, folder: Path) -> tuple[Path, str] | str:
    """(steps.json, the failing command's line or ""), or why there are none."""
    try:
        steps = fetch_steps(client, session_id)
    except HubError as error:
        return f"no steps: {error}"
    path = folder / "steps.json"
    path.write_text(json.dumps(steps, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    failed = failing_step(steps)
    return path, (failed["text"] if failed else "")


def html_list(path: str, limit: int = 500) -> str:
    """The steps as an HTML list, each with its time in the video; failed ones in bold red."""
    steps = json.loads(Path(path).read_text(encoding="utf-8"))
    items = []
    for step in steps[-limit:]:
        text = html.escape(f"{step['start']:8.2f} s  {step['text']}")
        if step.get("error"):
            message = html.escape(str(step.get("message", "")))
            items.append(f'<li style="color:#b91c1c;font-weight:bold">{text}'
                         f'<br><small>{message}</small></li>')
        else:
            items.append(f"<li>{text}</li>")
    cut = f"<p>the last {limit} of {len(steps)} steps</p>" if len(steps) > limit else ""
    return (f'<div class="tggrid-steps"><p><b>Steps</b> (time in the video)</p>{cut}'
            f'<ol style="font-family:monospace;white-space:pre-wrap">{"".join(items)}</ol></div>')
