"""Runtime settings: JSON values by key, replaced in place."""

from __future__ import annotations

from hub.db import settings_store
from hub.db.engine import Database


async def test_get_set_replace_delete(db: Database) -> None:
    assert await settings_store.get(db, "balancer", "least-connections") == "least-connections"
    await settings_store.set_value(db, "balancer", "round-robin")
    await settings_store.set_value(db, "limits", {"chrome": 4, "firefox": [1, 2]})
    assert await settings_store.get(db, "balancer") == "round-robin"
    await settings_store.set_value(db, "balancer", "resource")
    assert await settings_store.get_all(db) == {
        "balancer": "resource", "limits": {"chrome": 4, "firefox": [1, 2]}}
    assert await settings_store.delete_value(db, "balancer") is True
    assert await settings_store.delete_value(db, "balancer") is False
    assert await settings_store.get(db, "balancer") is None
