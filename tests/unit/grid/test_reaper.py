"""The idle reaper over a FakeNode: an idle session ends as a timeout, which is what the
database's row state and audit action read (not the message)."""

from __future__ import annotations

from hub.db.sessions import TIMEOUT, end_state
from hub.ending import EndCause
from hub.grid.reaper import reap_idle
from tests.unit.grid.fake_node import FakeNode

CHROME = [{"browserName": "chrome"}]


async def test_an_idle_session_ends_as_a_timeout_and_frees_its_slot(running):
    node = FakeNode("a", max_sessions=2)
    distributor, grid = running(node)
    idle = await grid.submit(grid.request(CHROME))
    busy = await grid.submit(grid.request(CHROME))
    idle.idle_timeout = 0.0
    assert await reap_idle(distributor) == 1
    assert idle.ended and idle.end_cause is EndCause.TIMEOUT and end_state(idle) == TIMEOUT
    assert "timed out" in idle.end_reason
    assert not busy.ended and distributor.sessions() == [busy]
    assert node.stopped == [idle.node_session]
    assert distributor.nodes["a"].busy == 1
