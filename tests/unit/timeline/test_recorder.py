"""The timeline's capture and its background writer, without a browser."""

from __future__ import annotations

import asyncio
import json
import time
import types

from hub.timeline.masking import Masker
from hub.timeline.recorder import Timeline
from hub.timeline.store import StepStore


def _session(session_id: str = "s1") -> types.SimpleNamespace:
    return types.SimpleNamespace(id=session_id, created_at=time.time() - 1,
                                 browser_name="chrome")


def test_captured_commands_and_messages_are_written_in_order_off_the_call(tmp_path) -> None:
    async def run() -> list[dict]:
        timeline = Timeline(StepStore(tmp_path), Masker(), interval=60)
        session = _session()
        await timeline.session_started(session)  # type: ignore[arg-type]
        now = time.time()
        timeline.command(session, "POST", "/url", b'{"url": "https://a.test/"}',  # type: ignore[arg-type]
                         now, 200, b'{"value": null}')
        bridge = object()
        timeline.frame(session, bridge, "cdp", True,  # type: ignore[arg-type]
                       b'{"id": 1, "method": "Input.insertText", "params": {"text": "pw-123"}}')
        timeline.frame(session, bridge, "cdp", True,  # type: ignore[arg-type]
                       b'{"id": 2, "method": "Page.reload"}')
        timeline.frame(session, bridge, "cdp", False, b'{"id": 1, "result": {}}')  # type: ignore[arg-type]
        timeline.frame(session, bridge, "cdp", False, None)  # type: ignore[arg-type]
        assert not (tmp_path / "s1.steps.jsonl").exists()  # nothing written on the call
        await timeline.close()
        return [json.loads(line) for line in (tmp_path / "s1.steps.jsonl").read_text()
                .splitlines()]

    steps = asyncio.run(run())
    assert [(s["command"], s.get("error")) for s in steps] == [
        ("New Session", None), ("Navigate To", None), ("Input.insertText", None),
        ("Page.reload", "no answer")]
    assert [s["seq"] for s in steps] == [0, 1, 2, 3]
    assert "pw-123" not in json.dumps(steps)


def test_a_session_forgotten_after_its_end_starts_no_new_numbering(tmp_path) -> None:
    async def run() -> list[int]:
        timeline = Timeline(StepStore(tmp_path), Masker(), interval=60)
        session = _session("s2")
        for _ in range(3):
            timeline.command(session, "GET", "/title", None, time.time(), 200,  # type: ignore[arg-type]
                             b'{"value": "t"}')
            await timeline.flush()
        await timeline.session_ended(session)  # type: ignore[arg-type]
        await timeline.flush()
        return [json.loads(line)["seq"] for line in (tmp_path / "s2.steps.jsonl").read_text()
                .splitlines()]

    assert asyncio.run(run()) == [0, 1, 2]
