"""Presence: hubs on one database see each other, and settle what a dead one left."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import update

from hub.db import hubs
from hub.db.audit import AuditLog, AuditQuery
from hub.db.engine import Database
from hub.db.models import HubRow, SessionRow, utcnow
from hub.db.presence import HubStates, Presence, machine_name
from hub.db.sessions import get_session
from hub.db.writer import BackgroundWriter


def presence(db: Database, hub_id: str, *, host: str = "elsewhere", pid: int | None = None,
             audit: AuditLog | None = None) -> Presence:
    return Presence(db, audit, hub_id=hub_id, url=f"http://{hub_id}:4444", interval=1,
                    dead_after=3, host=host, pid=pid)


async def make_stale(db: Database, hub_id: str) -> None:
    async with db.session() as session:
        await session.execute(update(HubRow).where(HubRow.id == hub_id).values(
            last_seen_at=utcnow() - dt.timedelta(seconds=60)))


async def add_running(db: Database, session_id: str, hub_id: str) -> None:
    async with db.session() as session:
        session.add(SessionRow(id=session_id, hub_id=hub_id, state="running"))


def finished_pid() -> int:
    """The pid of a process that has exited (its row says it runs here)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


async def test_a_hub_that_stops_beating_is_settled_by_another(db: Database) -> None:
    writer = BackgroundWriter(db)
    writer.start()
    audit = AuditLog(db, writer)
    crashed, survivor = presence(db, "crashed", host="host-a"), presence(
        db, "survivor", host="host-b", audit=audit)
    await crashed.register()
    await survivor.register()
    await add_running(db, "left", "crashed")
    await add_running(db, "own", "survivor")
    heard: list[HubStates] = []

    async def listener(states: HubStates) -> None:
        heard.append(states)

    survivor.subscribe(listener)

    assert (await survivor.settle()).alive == {"crashed", "survivor"}, "still fresh"
    assert (await get_session(db, "left") or {})["state"] == "running"
    await make_stale(db, "crashed")
    states = await survivor.settle()
    await writer.close()

    assert states == HubStates(alive=frozenset({"survivor"}), dead=frozenset({"crashed"}))
    assert heard[-1] == states
    left = await get_session(db, "left")
    assert left is not None and left["state"] == "failed"
    assert left["endReason"] == "hub crashed stopped while the session ran"
    assert (await get_session(db, "own") or {})["state"] == "running"
    entries, _ = await audit.query(AuditQuery(action="session.failed"))
    assert [(e["resourceId"], e["details"]["hub"]) for e in entries] == [("left", "crashed")]


async def test_a_hub_of_this_machine_whose_process_is_gone_is_dead_at_once(
    db: Database,
) -> None:
    here = socket.gethostname()
    gone = presence(db, "gone", host=here, pid=finished_pid())
    running_here = presence(db, "running-here", host=here, pid=os.getpid())
    elsewhere = presence(db, "elsewhere", host="other-machine", pid=finished_pid())
    for hub in (gone, running_here, elsewhere):
        await hub.register()
    me = presence(db, "me", host=here)
    await me.register()

    states = await me.states()

    assert states.dead == {"gone"}
    assert states.alive == {"me", "running-here", "elsewhere"}, "another machine's pid says nothing"


async def test_a_hub_in_another_pid_namespace_of_this_host_is_not_judged_by_its_pid(
    db: Database,
) -> None:
    """Two hub containers on the host's network (compose.yaml): same host name, each its own
    pids. A pid that is gone here may be a live hub there."""
    here = machine_name()
    assert here.startswith(socket.gethostname() + " pidns:")
    container = presence(db, "container", host=socket.gethostname() + " pidns:1",
                         pid=finished_pid())
    gone = presence(db, "gone", host=here, pid=finished_pid())
    me = Presence(db, None, hub_id="me", url="http://me:4444", interval=1, dead_after=3)
    for hub in (container, gone, me):
        await hub.register()

    states = await me.states()

    assert me.host == here
    assert states.dead == {"gone"} and states.alive == {"me", "container"}
    rows = {hub.id: hub for hub in await hubs.list_hubs(db)}
    assert rows["gone"].stopped_at is not None


async def test_a_clean_stop_is_recorded_and_a_stopped_hub_is_dead(db: Database) -> None:
    first, second = presence(db, "first"), presence(db, "second")
    await first.register()
    await second.register()
    await first.stop()
    listed = {hub.id: (hub, alive) for hub, alive in await second.list_hubs()}
    assert listed["first"][0].stopped_at is not None and not listed["first"][1]
    assert listed["second"][1]
    assert (await second.states()).dead == {"first"}


async def test_a_failing_listener_does_not_stop_the_others(db: Database) -> None:
    hub = presence(db, "me")
    await hub.register()
    heard: list[HubStates] = []

    async def broken(states: HubStates) -> None:
        raise RuntimeError("engine on fire")

    async def listener(states: HubStates) -> None:
        heard.append(states)

    hub.subscribe(broken)
    hub.subscribe(listener)
    await hub.settle()
    assert len(heard) == 1


async def test_heartbeat_and_settling_survive_a_database_that_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = Database("postgresql+asyncpg://tggrid:tggrid@127.0.0.1:1/nowhere")  # refused
    hub = Presence(db, None, hub_id="lonely", url="http://lonely", interval=0.05,
                   dead_after=1, host="h")
    caplog.set_level(logging.WARNING, logger="hub.db.presence")
    tasks = [asyncio.create_task(hub.run_heartbeat()), asyncio.create_task(hub.run_settling())]
    try:
        await asyncio.sleep(0.5)
        assert not any(task.done() for task in tasks), "a loop ended on a database error"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()
    failures = [r.message for r in caplog.records if "hub.heartbeat_failed" in r.message]
    assert len(failures) == 1, "logged once per outage, not every beat"
    assert len([r for r in caplog.records if "hub.settle_failed" in r.message]) == 1


@pytest.mark.parametrize("fencing", [True, False])
async def test_beats_failing_past_dead_after_fence_the_hub_where_the_database_is_shared(
        fencing: bool) -> None:
    db = Database("postgresql+asyncpg://tggrid:tggrid@127.0.0.1:1/nowhere")  # refused
    hub = Presence(db, None, hub_id="cut-off", url="http://cut-off", interval=0.05,
                   dead_after=0.3, host="h", fencing=fencing)
    heard: list[str | None] = []

    async def listener(why: str | None) -> None:
        heard.append(why)

    hub.fence_listeners.append(listener)
    task = asyncio.create_task(hub.run_heartbeat())
    try:
        await asyncio.sleep(0.15)
        assert heard == [], "not before dead_after"
        await asyncio.sleep(0.6)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()
    if fencing:
        assert len(heard) == 1, "told once per outage"
        assert heard[0] and "could not reach its database for more than 0.3 s" in heard[0]
        assert hub.fenced
    else:
        assert heard == [] and not hub.fenced
