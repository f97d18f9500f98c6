"""Hypothesis over the WebDriver surface's own bad inputs, against a real hub with auth on and
no browsers: new-session bodies, session ids with odd characters, huge and deeply nested
JSON, bytes that are not JSON, and credentials that are not UTF-8.

Every answer must be a W3C error object with the spec's status: ``invalid argument`` (400),
``invalid session id`` / ``unknown command`` (404), ``unauthorized`` (401), or ``session not
created`` (500, here because no node offers a browser); never ``unknown error``, never a
traceback or a server path, always an X-Request-Id.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.secured_hub import SecuredHub

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("TGGRID_FUZZ_EXAMPLES", "8")) * 4
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
ALLOWED = {400: {"invalid argument"}, 401: {"unauthorized"},
           404: {"invalid session id", "unknown command"}, 405: {"unknown method"},
           500: {"session not created"}}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)
capability_names = st.sampled_from([
    "browserName", "browserVersion", "platformName", "acceptInsecureCerts", "pageLoadStrategy",
    "proxy", "timeouts", "strictFileInteractability", "unhandledPromptBehavior",
    "tggrid:options", "selenoid:options", "se:recordVideo", "goog:chromeOptions",
    "moz:firefoxOptions"]) | st.text(max_size=20)
capabilities = st.dictionaries(capability_names, json_values, max_size=5)
session_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"capabilities": st.fixed_dictionaries(
        {}, optional={"alwaysMatch": capabilities | json_values,
                      "firstMatch": st.lists(capabilities, max_size=3) | json_values})}),
    st.fixed_dictionaries({"desiredCapabilities": capabilities}),
)


def send(fuzz: SecuredHub, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """One request on a fresh connection; header values are sent as latin-1 bytes, so any
    byte can be in them."""
    connection = http.client.HTTPConnection("127.0.0.1", fuzz.hub.port, timeout=60)
    try:
        connection.request(method, path, body=body,
                           headers={"Content-Type": "application/json",
                                    **(fuzz.admin if headers is None else headers)})
        response = connection.getresponse()
        payload = response.read()
        return response.status, dict(response.getheaders()), payload.decode(errors="replace")
    finally:
        connection.close()


def refused_by_http_parser(status: int, headers: dict[str, str], text: str) -> bool:
    """aiohttp's HTTP parser answers a malformed request itself (a control character in a
    header, say) before the hub sees it: a plain-text 400 without a traceback."""
    return (status == 400 and headers.get("Content-Type", "").startswith("text/plain")
            and text.startswith("Invalid header") and "Traceback" not in text)


def assert_w3c_error(status: int, headers: dict[str, str], text: str) -> None:
    if refused_by_http_parser(status, headers, text):
        return
    assert headers.get("X-Request-Id"), (status, headers, text[:300])
    assert status in ALLOWED, (status, text[:500])
    error = json.loads(text)["value"]
    assert error["error"] in ALLOWED[status], (status, text[:500])
    for leak in ("Traceback", 'File "/', "site-packages", ".py"):
        assert leak not in error["message"] + error["stacktrace"], text[:500]


@FUZZ
@given(body=session_bodies, prefix=st.sampled_from(["", "/wd/hub"]))
def test_new_session_bodies(secured_hub: SecuredHub, body: Any, prefix: str) -> None:
    status, headers, text = send(secured_hub, "POST", f"{prefix}/session",
                                 json.dumps(body).encode())
    assert_w3c_error(status, headers, text)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_new_session_bytes(secured_hub: SecuredHub, raw: bytes) -> None:
    status, headers, text = send(secured_hub, "POST", "/session", raw)
    assert_w3c_error(status, headers, text)


@pytest.mark.parametrize("raw", [
    b"[" * 100_000, b"{\"a\":" * 50_000, b"[" * 60 + b"]" * 60, b"[" * 70 + b"]" * 70,
    b'{"capabilities": {"alwaysMatch": {"browserName": NaN}}}',
    b'{"capabilities": {"alwaysMatch": {"browserName": "\\ud800"}}}',
    b'{"capabilities": {"alwaysMatch": {"tggrid:options": 0.5}}}',
    b'{"capabilities": {"alwaysMatch": {"tggrid:options": {"idleTimeout": 1e999}}}}',
    b'{"capabilities": {"alwaysMatch": {"se:x": ' + b"9" * 5000 + b"}}}",
    b'{"capabilities": {"alwaysMatch": {"se:x": 18446744073709551616}}}',
    b'{"capabilities": {"alwaysMatch": {"browserName": "' + b"x" * 1_000_000 + b'"}}}',
    "\"é\"".encode("latin-1"), b"\xff\xfe",
])
def test_hostile_json(secured_hub: SecuredHub, raw: bytes) -> None:
    status, headers, text = send(secured_hub, "POST", "/session", raw)
    assert_w3c_error(status, headers, text)
    assert status in (400, 500)


@FUZZ
@given(session_id=st.text(min_size=1, max_size=80),
       tail=st.sampled_from(["", "/url", "/element", "/se/cdp", "/window/rect", "/execute/sync"]),
       method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_odd_session_ids(secured_hub: SecuredHub, session_id: str, tail: str, method: str) -> None:
    path = "/session/" + urllib.parse.quote(session_id, safe="") + tail
    status, headers, text = send(secured_hub, method, path, b"{}" if method == "POST" else None)
    assert_w3c_error(status, headers, text)
    assert status in (400, 404, 405), (status, text[:300])  # 400: /se/cdp wants a websocket


@FUZZ
@given(value=st.binary(min_size=1, max_size=60).map(lambda b: b.decode("latin-1")).filter(
    lambda v: "\r" not in v and "\n" not in v and "\0" not in v),
       where=st.sampled_from(["bearer", "basic", "cookie", "bare"]),
       path=st.sampled_from(["/status", "/session", "/wd/hub/session/abc/url"]))
def test_credentials_that_are_not_utf8(secured_hub: SecuredHub, value: str, where: str,
                                      path: str) -> None:
    header = {"bearer": {"Authorization": f"Bearer x{value}"},
              "basic": {"Authorization": f"Basic {value}"},
              "cookie": {"Cookie": f"tggrid_token=x{value}"},
              "bare": {"Authorization": value}}[where]
    status, headers, text = send(secured_hub, "POST" if path != "/status" else "GET", path,
                                 b"{}", headers=header)
    assert_w3c_error(status, headers, text)
    assert status in (400, 401)
