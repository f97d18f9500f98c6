"""What the scaling feature keeps in the settings table, so it survives a restart.

Every hub on a shared database reads the same rows: the balancing algorithm, the relay nodes
and the auto-scaling configuration.
"""

from __future__ import annotations

from typing import Any

from hub.db import settings_store
from hub.db.engine import Database

ALGORITHM = "loadbalancer.algorithm"
RELAYS = "nodes.relays"
AUTOSCALING = "autoscaling.config"


async def algorithm(db: Database) -> str | None:
    value = await settings_store.get(db, ALGORITHM)
    return value if isinstance(value, str) else None


async def save_algorithm(db: Database, name: str) -> None:
    await settings_store.set_value(db, ALGORITHM, name)


async def relays(db: Database) -> list[dict[str, Any]]:
    value = await settings_store.get(db, RELAYS, [])
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


async def save_relays(db: Database, entries: list[dict[str, Any]]) -> None:
    await settings_store.set_value(db, RELAYS, entries)


PERCENT_MARK = "thresholdsInPercent"


async def autoscaling(db: Database) -> dict[str, Any] | None:
    value = await settings_store.get(db, AUTOSCALING)
    if not isinstance(value, dict):
        return None
    value = dict(value)
    up, down = value.get("scaleUpThreshold"), value.get("scaleDownThreshold")
    if (not value.pop(PERCENT_MARK, False) and isinstance(up, int | float)
            and isinstance(down, int | float) and 0 <= up <= 1 and 0 <= down <= 1):
        # stored when thresholds were fractions of 1; they are percentages now
        value = {**value, "scaleUpThreshold": up * 100, "scaleDownThreshold": down * 100}
    return value


async def save_autoscaling(db: Database, config: dict[str, Any]) -> None:
    await settings_store.set_value(db, AUTOSCALING, {**config, PERCENT_MARK: True})
