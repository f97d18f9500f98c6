"""The hub and the driver behind it, side by side on the same requests: status, headers,
body. A client must not tell them apart except by what the hub adds on purpose (its ``Date``,
``Server``, ``Connection`` and ``X-Request-Id`` headers; see docs/webdriver-conformance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.drivers import DirectDriver, Exchange, exchange, installed

# The hub's own as the server the client talks to; Connection is hop-by-hop (it describes the
# client's connection to the hub, which closes or stays open on its own terms); X-Request-Id
# names the request in the hub's log.
HUB_OWN_HEADERS = {"date", "server", "connection", "x-request-id"}
PAGE = "data:text/html,<title>same</title>"


@pytest.fixture(scope="module", params=["chrome", "firefox", "webkit"])
def driver(request: pytest.FixtureRequest) -> Iterator[DirectDriver]:
    direct = DirectDriver(installed(request.param))
    yield direct
    direct.stop()


def assert_same(hub: Exchange, direct: Exchange, what: str) -> None:
    (hub_status, hub_headers, hub_body), (status, headers, body) = hub, direct
    assert hub_status == status, f"{what}: status {hub_status} != {status}"
    assert set(hub_headers) - HUB_OWN_HEADERS - {"cache-control"} == (
        set(headers) - HUB_OWN_HEADERS - {"cache-control"}), what
    assert hub_headers["content-type"].lower() == headers["content-type"].lower(), what
    # The spec requires it on every answer: passed on, or added where a driver forgot it
    # (geckodriver's plain-text 405).
    assert hub_headers["cache-control"] == headers.get("cache-control", "no-cache"), what
    if not isinstance(body, dict):
        assert hub_body == body, what
    elif isinstance(body.get("value"), dict) and "error" in body["value"]:
        assert hub_body["value"]["error"] == body["value"]["error"], what
    else:
        assert set(hub_body) == set(body), what


def _start(shared_hub: Any, driver: DirectDriver, caps: dict[str, Any]) -> tuple[str, str]:
    name = driver.install.name
    status, _, body = exchange(shared_hub.url, "POST", "/session",
                               {"capabilities": {"alwaysMatch": {"browserName": name, **caps}}})
    assert status == 200, body
    direct_status, _, direct_body = driver.new_session(caps)
    assert direct_status == 200, direct_body
    return body["value"]["sessionId"], direct_body["value"]["sessionId"]


def test_every_answer_has_the_drivers_status_headers_and_shape(shared_hub, driver):
    hub_id, direct_id = _start(shared_hub, driver, {})
    requests: list[tuple[str, str, Any, bytes | None]] = [
        ("POST", "/url", {"url": PAGE}, None),
        ("GET", "/title", None, None),
        ("GET", "/window", None, None),
        ("GET", "/nope", None, None),
        ("POST", "/element", {"using": "css selector", "value": "#missing"}, None),
        ("POST", "/url", None, b"{not json"),
        ("POST", "/execute/sync", {"script": "return 6 * 7", "args": []}, None),
        ("DELETE", "", None, None),
        ("GET", "/title", None, None),  # after the quit: invalid session id from both
    ]
    for method, tail, body, raw in requests:
        hub = exchange(shared_hub.url, method, f"/session/{hub_id}{tail}", body, raw)
        direct = exchange(driver.url, method, f"/session/{direct_id}{tail}", body, raw)
        assert_same(hub, direct, f"{method} {tail or '/'}")
    assert_same(exchange(shared_hub.url, "GET", "/session/unknown/url"),
                exchange(driver.url, "GET", "/session/unknown/url"), "unknown session")


def test_hub_generated_answers_carry_the_spec_headers(shared_hub):
    for method, path, body in [("GET", "/status", None), ("GET", "/wd/hub/status", None),
                               ("POST", "/session", {"capabilities": None}),
                               ("GET", "/se/grid/newsessionqueue/queue", None),
                               ("GET", "/session/unknown/title", None)]:
        _, headers, _ = exchange(shared_hub.url, method, path, body)
        assert headers["content-type"] == "application/json; charset=utf-8", path
        assert headers["cache-control"] == "no-cache", path


ALWAYS = "alwaysMatch"
INVALID = [
    {ALWAYS: None},
    {ALWAYS: {"pageLoadStrategy": []}},
    {ALWAYS: {"pageLoadStrategy": {}}},
    {ALWAYS: {"pageLoadStrategy": "warp"}},
    {ALWAYS: {"proxy": {"proxyType": "pac"}}},
    {ALWAYS: {"proxy": "direct"}},
    {ALWAYS: {"proxy": {}}},
    {ALWAYS: {"proxy": {"proxyType": "bogus"}}},
    {ALWAYS: {"proxy": {"proxyAutoconfigUrl": "http://127.0.0.1/p.pac"}}},
    {ALWAYS: {"proxy": {"proxyType": "manual", "socksProxy": "127.0.0.1:1080"}}},
    {ALWAYS: {"unhandledPromptBehavior": {"alert": None}}},
    {ALWAYS: {"unhandledPromptBehavior": {"beforeunload": "accept"}}},
    {ALWAYS: {"unhandledPromptBehavior": "shout"}},
    {ALWAYS: {"browserName": 5}},
    {"firstMatch": [{"browserName": 5}]},
    {"firstMatch": [{"pageLoadStrategy": ["eager"]}]},
    {ALWAYS: {"pageLoadStrategy": "eager"}, "firstMatch": [{"pageLoadStrategy": "eager"}]},
    {"firstMatch": []},
    {"firstMatch": None},
    {ALWAYS: {"timeouts": {"nap": 1}}},
    {ALWAYS: {"webSocketUrl": "yes"}},
    {ALWAYS: {"fancy": True}},
]


@pytest.fixture(scope="module")
def chromedriver() -> Iterator[DirectDriver]:
    direct = DirectDriver(installed("chrome"))
    yield direct
    direct.stop()


@pytest.mark.parametrize("capabilities", INVALID, ids=lambda c: str(c)[:60])
def test_new_session_refusals_are_invalid_argument_as_from_chromedriver(
        shared_hub, chromedriver, capabilities):
    hub = exchange(shared_hub.url, "POST", "/session", {"capabilities": capabilities})
    direct = exchange(chromedriver.url, "POST", "/session", {"capabilities": capabilities})
    assert (hub[0], hub[2]["value"]["error"]) == (400, "invalid argument"), hub[2]
    assert_same(hub, direct, str(capabilities))
    assert "Traceback" not in str(hub[2]) and ".py" not in hub[2]["value"]["stacktrace"]


def test_a_drivers_own_invalid_argument_reaches_the_client(shared_hub, chromedriver):
    # The hub has no opinion on goog:chromeOptions' shape: chromedriver refuses it.
    caps = {"browserName": "chrome", "goog:chromeOptions": {"args": "--headless"}}
    hub = exchange(shared_hub.url, "POST", "/session", {"capabilities": {ALWAYS: caps}})
    direct = exchange(chromedriver.url, "POST", "/session", {"capabilities": {ALWAYS: caps}})
    assert hub[0] == direct[0] == 400
    assert hub[2]["value"]["error"] == direct[2]["value"]["error"] == "invalid argument"
    assert hub[2]["value"]["message"] == direct[2]["value"]["message"]


def test_an_exact_platform_match_wins_as_with_chromedriver(shared_hub, chromedriver):
    first_match = [{"platformName": "LINUX", "pageLoadStrategy": "eager"},
                   {"platformName": "linux", "pageLoadStrategy": "none"}]
    hub_id, direct_id = None, None
    try:
        status, _, hub = exchange(shared_hub.url, "POST", "/session", {"capabilities": {
            ALWAYS: {"browserName": "chrome"}, "firstMatch": first_match}})
        assert status == 200, hub
        hub_id = hub["value"]["sessionId"]
        status, _, direct = exchange(chromedriver.url, "POST", "/session", {"capabilities": {
            ALWAYS: chromedriver.caps, "firstMatch": first_match}})
        assert status == 200, direct
        direct_id = direct["value"]["sessionId"]
        assert hub["value"]["capabilities"]["pageLoadStrategy"] == "none"
        assert direct["value"]["capabilities"]["pageLoadStrategy"] == "none"
    finally:
        if hub_id:
            exchange(shared_hub.url, "DELETE", f"/session/{hub_id}")
        if direct_id:
            exchange(chromedriver.url, "DELETE", f"/session/{direct_id}")
