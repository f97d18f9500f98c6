"""Reading what a caller sent without letting any of it crash the hub.

One JSON reader for every request body (WebDriver, /api, /graphql) and one way to turn a
header into text. Whatever a caller sends either comes out as plain, storable Python values
or is refused with :class:`UnsafeInput`, whose message is fit to show the caller:

- deep nesting (which would raise ``RecursionError`` in the parser or in later code that
  walks the value) is refused past ``MAX_DEPTH``;
- ``NaN``, ``Infinity`` and numbers too large for a double are refused (they are not JSON,
  and a stored NaN comes back out as a bare ``NaN`` token no client can parse);
- lone UTF-16 surrogates (``"\\ud800"``) are refused: no database or encoder takes them;
- integers beyond 64 bits are refused: no database column holds them.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from aiohttp import web

MAX_DEPTH = 64
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
REQUEST_ID_HEADER = "X-Request-Id"


class UnsafeInput(ValueError):
    """The request carries something the hub will not take; the message says what."""


def _constant(name: str) -> Any:
    raise UnsafeInput(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeInput(f"the number {text[:20]}... is too large")
    return value


def _int(text: str) -> int:
    if len(text) > 20:
        raise UnsafeInput(f"the number {text[:20]}... is too large")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise UnsafeInput(f"the number {text} does not fit in 64 bits")
    return value


def storable_text(value: str) -> bool:
    """False for a string holding lone surrogates, which no encoder or database takes."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(value: Any) -> None:
    """Iterative, so the check itself cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not storable_text(item):
                raise UnsafeInput("a string holds an unpaired UTF-16 surrogate")
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise UnsafeInput(f"the JSON is nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def load_json(raw: bytes | str, empty: Any = None) -> Any:
    """``raw`` as JSON (``empty`` for an empty body); :class:`UnsafeInput` says why not."""
    if not raw:
        return empty
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except UnsafeInput:
        raise
    except RecursionError:
        raise UnsafeInput(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise UnsafeInput("the body is not UTF-8") from None
    except ValueError as error:
        raise UnsafeInput(f"the body is not valid JSON: {error}") from None
    _check(value)
    return value


async def read_json(request: web.Request, empty: Any = None) -> Any:
    """The request's body as JSON, read with :func:`load_json`."""
    return load_json(await request.read(), empty)


def row_id(text: str) -> int | None:
    """A database id from a path or query: digits only, within 64 bits; None otherwise."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= INT64_MAX else None


def header_text(value: str) -> str:
    """A header as storable text: bytes that were not UTF-8 become U+FFFD.

    aiohttp keeps such bytes as lone surrogates, which would fail later when the text is
    hashed, stored or encoded."""
    if storable_text(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def request_id(request: web.Request) -> str:
    """This request's id, made on first use; the answer carries it in ``X-Request-Id`` and
    the hub's log names it beside any traceback."""
    found = request.get(REQUEST_ID)
    if found is None:
        found = request[REQUEST_ID] = uuid.uuid4().hex[:16]
    return found


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every answer names its request."""
    response.headers[REQUEST_ID_HEADER] = request_id(request)
