"""The session timeline: what the proxies captured, made into steps off the hot path.

The command proxy and the websocket bridges call :meth:`Timeline.command` and
:meth:`Timeline.frame` with what they already hold (method, path, bytes, status, two clock
readings); those append one tuple to the session's list and return. A background task wakes
every ``interval`` seconds, hands each session's list to a worker thread, which summarises,
masks and appends the steps to the session's file (:mod:`hub.timeline.store`). Nothing on the
command path parses, masks, locks or waits for storage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from hub.background import cancel_and_wait, every
from hub.timeline.commands import CommandSummary
from hub.timeline.devtools import DevtoolsSummary, head, merge
from hub.timeline.masking import Masker
from hub.timeline.store import StepStore

if TYPE_CHECKING:
    from hub.grid.session import Session

log = logging.getLogger(__name__)
INTERVAL = 0.5
FORGET_AFTER = 5.0  # seconds after its end a session's summaries are dropped
# Entries: ("cmd", t0, t1, method, tail, body, status, answer)
#          ("ws", channel, kind, from_client, at, data, size)  data None: the socket closed
#          ("new", at, browser)
Entry = tuple[Any, ...]


class _SessionState:
    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self.commands = CommandSummary(masker)
        self.channels: dict[int, DevtoolsSummary] = {}
        self.seq = 0


class Timeline:
    def __init__(self, store: StepStore, masker: Masker, *, interval: float = INTERVAL) -> None:
        self.store = store
        self.masker = masker
        self.interval = interval
        self._pending: dict[str, list[Entry]] = {}
        self._states: dict[str, _SessionState] = {}
        self._ended: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # -- the hot path: append and return ------------------------------------------------------

    def command(self, session: Session, method: str, tail: str, body: bytes | None,
                began: float, status: int, answer: bytes) -> None:
        entry = ("cmd", began, time.time(), method, tail, body, status, answer)
        try:
            self._pending[session.id].append(entry)
        except KeyError:
            self._pending[session.id] = [entry]

    def frame(self, session: Session, channel: object, kind: str, from_client: bool,
              data: bytes | None) -> None:
        size = len(data) if data is not None else 0
        if data is not None and not from_client:
            data = head(data)
        entry = ("ws", id(channel), kind, from_client, time.time(), data, size)
        try:
            self._pending[session.id].append(entry)
        except KeyError:
            self._pending[session.id] = [entry]

    # -- registry listener --------------------------------------------------------------------

    async def session_started(self, session: Session) -> None:
        self._pending.setdefault(session.id, []).insert(
            0, ("new", session.created_at, session.browser_name))

    async def session_ended(self, session: Session) -> None:
        self._ended[session.id] = time.monotonic()

    # -- off the hot path ---------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(
            every(self.interval, self.flush, "timeline.flush_failed"), name="timeline")

    async def flush(self) -> None:
        """Summarise and store everything captured so far."""
        async with self._lock:
            pending, self._pending = self._pending, {}
            if pending:
                await asyncio.to_thread(self._write, pending)
            now = time.monotonic()
            for session_id, ended in list(self._ended.items()):
                if now - ended > FORGET_AFTER and session_id not in self._pending:
                    self._ended.pop(session_id, None)
                    state = self._states.pop(session_id, None)
                    if state is not None:
                        await asyncio.to_thread(self._close_channels, session_id, state)

    async def close(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task])
        await self.flush()

    def _write(self, pending: dict[str, list[Entry]]) -> None:
        for session_id, entries in pending.items():
            state = self._states.get(session_id)
            if state is None:
                state = self._states[session_id] = _SessionState(self.masker)
            try:
                steps = merge(self._steps(state, entries))
                self._number(state, steps)
                self.store.append(session_id, steps)
            except Exception:
                log.exception("timeline.write_failed id=%s", session_id)

    def _steps(self, state: _SessionState, entries: list[Entry]) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for entry in entries:
            if entry[0] == "cmd":
                _, began, ended, method, tail, body, status, answer = entry
                step = state.commands.step(method, tail, body, status, answer)
                step["at"], step["until"] = began, ended
                steps.append(step)
            elif entry[0] == "ws":
                _, channel, kind, from_client, at, data, size = entry
                summary = state.channels.get(channel)
                if summary is None:
                    summary = state.channels[channel] = DevtoolsSummary(kind, self.masker)
                if data is None:
                    steps.extend(summary.unanswered())
                    state.channels.pop(channel, None)
                elif from_client:
                    summary.from_client(at, data)
                else:
                    found = summary.from_browser(at, data, size)
                    if found is not None:
                        steps.append(found)
            else:
                _, at, browser = entry
                steps.append({"kind": "webdriver", "command": "New Session", "at": at,
                              "until": at, "target": browser, "status": 200})
        steps.sort(key=lambda step: step["at"])
        return steps

    def _number(self, state: _SessionState, steps: list[dict[str, Any]]) -> None:
        for step in steps:
            step["seq"] = state.seq
            state.seq += 1

    def _close_channels(self, session_id: str, state: _SessionState) -> None:
        steps = [step for summary in state.channels.values() for step in summary.unanswered()]
        self._number(state, steps)
        self.store.append(session_id, steps)
