"""What a web page, a rebinding name or a same-site page can do to a hub: nothing.

Real hubs, real browsers; every request is shaped as a browser would send it (Origin,
Sec-Fetch-Site, text/plain bodies, websocket handshakes), next to the exact headers real
clients send, which must keep working.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.sync_api import sync_playwright
from selenium import webdriver

from tests.integration.accounts import admin_token, bearer, login, new_email, register
from tests.support.fixtures import assert_no_leftovers
from tests.support.hubs import RunningHub

EVIL = "http://evil.example"
CHROME = {"capabilities": {"alwaysMatch": {"browserName": "chrome"}}}


@pytest.fixture(scope="module")
def open_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """Auth off, on its defaults, as a developer runs it."""
    hub = RunningHub(tmp_path_factory.mktemp("open-hub"),
                     ["--max-sessions", "1", "--browsers", "chrome"], {})
    yield hub
    hub.stop()
    assert_no_leftovers(hub)


def post(hub: RunningHub, path: str, body: object, **headers: str) -> tuple[int, object]:
    return hub.request("POST", path, raw=json.dumps(body).encode(), headers=headers)


def busy_slots(hub: RunningHub) -> list[object]:
    _, grid = hub.request("GET", "/status")
    return [slot["session"] for node in grid["value"]["nodes"] for slot in node["slots"]
            if slot["session"]]


async def _handshake(url: str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout(
                    ws_close=5)) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def handshake(url: str, **headers: str) -> int:
    return asyncio.run(_handshake(url, headers))


def test_a_foreign_host_name_reads_nothing(open_hub: RunningHub) -> None:
    """DNS rebinding: the page's own name in Host."""
    for path in ("/api/sessions", "/status", "/se/grid/newsessionqueue/queue"):
        status, body = open_hub.request("GET", path, headers={"Host": "evil.example:4444"})
        assert status == 403, (path, body)
    for host in (f"localhost:{open_hub.port}", f"127.0.0.1:{open_hub.port}",
                 f"[::1]:{open_hub.port}"):
        assert open_hub.request("GET", "/api/sessions", headers={"Host": host})[0] == 200


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL, "Content-Type": "text/plain"},
    {"Origin": "http://localhost:3000", "Content-Type": "text/plain"},  # same site, not origin
    {"Origin": "null", "Content-Type": "text/plain"},
    {"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"},
], ids=["foreign", "same-site", "null", "sec-fetch"])
def test_a_web_page_cannot_start_a_session_or_change_settings(
        open_hub: RunningHub, headers: dict[str, str]) -> None:
    status, body = post(open_hub, "/session", CHROME, **headers)
    assert status == 403 and body["value"]["error"] == "unknown error", body
    for path, payload in (("/api/nodes", {"url": "http://127.0.0.1:9"}),
                          ("/api/loadbalancer/algorithm", {"algorithm": "round-robin"}),
                          ("/api/config/auto-scaling", {"enabled": True, "minPoolSize": 1})):
        status, body = post(open_hub, path, payload,
                            **{**headers, "Content-Type": "application/json"})
        assert (status, body["error"]) == (403, "cross_origin"), (path, body)
    assert busy_slots(open_hub) == []
    _, nodes = open_hub.request("GET", "/api/nodes")
    assert [node["kind"] for node in nodes["nodes"]] == ["local"]


def test_api_bodies_must_be_json(open_hub: RunningHub) -> None:
    status, body = open_hub.request("POST", "/api/nodes", raw=b'{"url": "http://127.0.0.1:9"}',
                                    headers={"Content-Type": "text/plain"})
    assert (status, body["error"]) == (415, "unsupported_media_type")
    _, nodes = open_hub.request("GET", "/api/nodes")
    assert len(nodes["nodes"]) == 1


@pytest.mark.parametrize("path", ["/cdp", "/session/0123/se/cdp", "/session/0123/se/bidi",
                                  "/session/0123/se/vnc", "/wd/hub/session/0123/se/cdp"])
def test_a_web_page_cannot_open_a_websocket(open_hub: RunningHub, path: str) -> None:
    url = open_hub.url.replace("http://", "ws://") + path
    assert handshake(url, Origin=EVIL) == 403
    assert handshake(url, Origin="http://localhost:1") == 403
    assert busy_slots(open_hub) == []


def test_the_hubs_own_origin_and_allowed_origins_pass(hub_factory) -> None:
    hub = hub_factory("--browsers", "chrome", "--allowed-origins", "https://ci.example.test",
                      "--public-url", "https://grid.example.test/tg/")
    for origin, host in ((hub.url, f"127.0.0.1:{hub.port}"),
                         ("https://ci.example.test", f"127.0.0.1:{hub.port}"),
                         ("https://grid.example.test", "grid.example.test")):  # behind a proxy
        status, body = post(hub, "/api/loadbalancer/algorithm", {"algorithm": "round-robin"},
                            Origin=origin, Host=host, **{"Content-Type": "application/json"})
        assert status == 200, (origin, body)
    page = urllib.request.Request(hub.url + "/ui/sessions", headers={"Host": "grid.example.test"})
    with urllib.request.urlopen(page, timeout=30) as response:
        assert response.status == 200 and b"<html" in response.read()


def test_real_clients_keep_working(open_hub: RunningHub) -> None:
    """The Java client's exact headers, Selenium for Python and Playwright, for real."""
    java = {"User-Agent": "selenium/4.27.0 (java unix)",
            "Content-Type": "application/json; charset=utf-8", "Accept-Encoding": "gzip"}
    status, body = post(open_hub, "/wd/hub/session", CHROME, **java)
    assert status == 200, body
    session = body["value"]["sessionId"]
    status, body = post(open_hub, f"/wd/hub/session/{session}/url",
                        {"url": "data:text/html,<title>java</title>"}, **java)
    assert status == 200, body
    assert open_hub.request("DELETE", f"/wd/hub/session/{session}", headers=java)[0] == 200

    driver = webdriver.Remote(f"{open_hub.url}/wd/hub", options=webdriver.ChromeOptions())
    try:
        driver.get("data:text/html,<title>python</title>")
        assert driver.title == "python"
    finally:
        driver.quit()

    ws = open_hub.url.replace("http://", "ws://") + "/cdp"
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(ws, timeout=120_000)
        try:
            page = browser.contexts[0].pages[0]
            page.goto("data:text/html,<title>playwright</title>")
            assert page.title() == "playwright"
        finally:
            browser.close()


def test_large_bodies_only_for_sessions(open_hub: RunningHub) -> None:
    big = "x" * (2 * 1024 * 1024)
    status, body = post(open_hub, "/api/auth/login", {"email": "a@b.c", "password": big},
                        **{"Content-Type": "application/json"})
    assert (status, body["error"]) == (413, "body_too_large")
    # the WebDriver surface reads it (auth off): the request fails on its merits
    status, body = post(open_hub, "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "nosuch"}}, "padding": big})
    assert (status, body["value"]["error"]) == (500, "session not created"), body


@pytest.fixture(scope="module")
def auth_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    hub = RunningHub(tmp_path_factory.mktemp("auth-hub"),
                     ["--auth", "on", "--max-sessions", "1", "--browsers", "chrome"], {})
    yield hub
    hub.stop()
    assert_no_leftovers(hub)


def test_the_dashboard_cookie_does_not_ride_on_a_same_site_page(auth_hub: RunningHub) -> None:
    email = new_email()
    register(auth_hub, email)
    token = login(auth_hub, email)
    cookie = {"Cookie": f"tggrid_token={token}"}
    for origin in ("http://localhost:3000", f"http://127.0.0.1:{auth_hub.port + 1}"):
        status, body = post(auth_hub, "/session", CHROME, Origin=origin,
                            **{"Content-Type": "text/plain"}, **cookie)
        assert status == 403, body
        url = auth_hub.url.replace("http://", "ws://")
        assert handshake(f"{url}/cdp", Origin=origin, **cookie) == 403
    assert auth_hub.request("GET", "/status", headers=bearer(token))[0] == 200
    assert busy_slots_as(auth_hub, token) == []
    _, root = admin_token(auth_hub)
    assert busy_slots_as(auth_hub, root) == []


def busy_slots_as(hub: RunningHub, token: str) -> list[object]:
    _, grid = hub.request("GET", "/status", headers=bearer(token))
    return [slot["session"] for node in grid["value"]["nodes"] for slot in node["slots"]
            if slot["session"]]


def test_rebinding_is_refused_with_auth_on(auth_hub: RunningHub, tmp_path: Path) -> None:
    status, body = auth_hub.request("POST", "/api/auth/login",
                                    {"email": "x@example.com", "password": "whatever1"},
                                    headers={"Host": "evil.example"})
    assert (status, body["error"]) == (403, "forbidden_host")
