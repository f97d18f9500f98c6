"""Noticing a dead browser the hub cannot watch as a process: in a container, a Pod, or behind
a relay.

A driver outlives its browser and keeps answering, and a container whose browser was killed
keeps running (its entrypoint and driver are fine), so nothing ends such a session until the
client's next command or the idle timeout. So while the client is silent (no command of its
in flight: a driver runs one command per session at a time, and that command's answer tells the
client anyway) the hub asks the driver every couple of seconds for the session's window handles:
a command that needs the browser, changes nothing and handles no prompt. The driver answers
``invalid session id`` once the browser is gone (chromedriver: "session deleted as the browser
has closed the connection"; geckodriver: "Tried to run command without establishing a
connection"), and the session ends with those words. A slow answer is no verdict (a busy
driver); a driver that cannot be reached several probes in a row is one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import aiohttp

from hub.nodes.base import NodeSession

log = logging.getLogger(__name__)

PROBE_INTERVAL = 2.0
PROBE_TIMEOUT = 5.0
UNREACHABLE_PROBES = 3  # consecutive refused connections before the driver counts as gone


class DriverUnreachable(Exception):
    """No connection to the driver (refused, reset): the probe has no answer at all."""


async def probe(http: aiohttp.ClientSession, session: NodeSession) -> str | None:
    """The driver's words when it no longer knows the session, else None (alive, or no
    verdict). Raises :class:`DriverUnreachable` when no connection could be made."""
    url = f"{session.url}/session/{session.session_id}/window/handles"
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT)) as reply:
            status, body = reply.status, await reply.read()
    except aiohttp.ClientConnectionError as error:
        raise DriverUnreachable(str(error) or type(error).__name__) from None
    except (aiohttp.ClientError, TimeoutError):
        return None
    if status != 404:
        return None
    try:
        value = json.loads(body)["value"]
        code, message = value["error"], str(value.get("message") or "")
    except (ValueError, KeyError, TypeError):
        return None
    if code != "invalid session id":
        return None
    return message.splitlines()[0][:300] if message else code


async def watch(http: aiohttp.ClientSession, session: NodeSession,
                interval: float = PROBE_INTERVAL) -> None:
    """Probe ``session`` while its client is silent; mark it dead when its driver says the
    browser is gone (or stays unreachable). Returns once the session died or was quit."""
    refused = 0
    while not session.died.is_set() and not session.quit_sent:
        await asyncio.sleep(interval)
        if session.quit_sent or session.commands:
            refused = 0
            continue
        try:
            gone = await probe(http, session)
        except DriverUnreachable as error:
            refused += 1
            gone = None
            if refused >= UNREACHABLE_PROBES:
                gone = f"its driver stopped answering ({error})"
        else:
            refused = 0
        # A command or the quit that came while the probe was out makes its answer moot:
        # the client's own command reports what happened, a quit ends the session anyway.
        if gone is None or session.quit_sent or session.commands or session.died.is_set():
            continue
        log.warning("browser.gone session=%s url=%s reason=%s", session.session_id,
                    session.url, gone)
        session.mark_dead(f"the browser died while the client was silent: {gone}")


class Watchers:
    """One :func:`watch` task per live session of a node."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, http: aiohttp.ClientSession, session: NodeSession) -> None:
        self._tasks[session.session_id] = asyncio.create_task(
            watch(http, session), name=f"liveness-{session.session_id}")

    async def stop(self, session: NodeSession) -> None:
        task = self._tasks.pop(session.session_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
