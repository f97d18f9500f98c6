"""The one way the dashboard shows a time."""

from __future__ import annotations

import datetime as dt

from hub.ui.render import when


def test_times_are_utc_and_say_so() -> None:
    moment = dt.datetime(2026, 1, 31, 15, 5, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert when(moment) == "2026-01-31 14:05:09 UTC"
    assert when("2026-01-31T14:05:09.5+00:00") == "2026-01-31 14:05:09 UTC"
    assert when(dt.datetime(2026, 1, 31, 14, 5, 9)) == "2026-01-31 14:05:09 UTC"  # stored UTC


def test_missing_and_unreadable_times() -> None:
    assert when(None) == when("") == "—"
    assert when("soon") == "soon"
