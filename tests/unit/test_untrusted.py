"""hub/untrusted.py: whatever a caller sends comes out storable or is refused with a reason."""

from __future__ import annotations

import pytest

from hub.untrusted import MAX_DEPTH, UnsafeInput, header_text, load_json, row_id


@pytest.mark.parametrize(("raw", "why"), [
    (b"[" * 100_000, "nested deeper"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
    (b'{"a": NaN}', "NaN is not a JSON number"),
    (b'[Infinity]', "Infinity is not a JSON number"),
    (b'[-Infinity]', "Infinity is not a JSON number"),
    (b'[1e999]', "too large"),
    (b'[' + b"9" * 5000 + b']', "too large"),
    (b'[9223372036854775808]', "64 bits"),
    (b'{"name": "\\ud800"}', "surrogate"),
    (b'{"\\udfff": 1}', "surrogate"),
    (b'\xff\xfe', "not UTF-8"),
    (b'{not json', "not valid JSON"),
])
def test_hostile_json_is_refused_with_a_reason(raw: bytes, why: str) -> None:
    with pytest.raises(UnsafeInput, match=why):
        load_json(raw)


def test_ordinary_json_passes_unchanged() -> None:
    nested = b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1)
    assert load_json(nested) is not None
    assert load_json(b'{"a": [1, 2.5, -9223372036854775808, "\\ud83d\\ude00", null]}') == {
        "a": [1, 2.5, -(2**63), "\U0001f600", None]}
    assert load_json(b"", empty={}) == {}


def test_header_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    as_aiohttp_keeps_it = b"Bearer \xff".decode("utf-8", "surrogateescape")
    assert header_text(as_aiohttp_keeps_it) == "Bearer \ufffd"
    assert header_text("Bearer tgg_abc") == "Bearer tgg_abc"


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("42", 42), ("9223372036854775807", 2**63 - 1), ("9223372036854775808", None),
    ("9" * 100, None), ("-1", None), ("1.5", None), ("", None), ("٣", None), (" 1", None)])
def test_row_ids_fit_a_database_column(text: str, value: int | None) -> None:
    assert row_id(text) == value
