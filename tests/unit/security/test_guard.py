"""The request guard on requests shaped as browsers and real clients send them."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from hub.config import Settings
from hub.security.guard import HostPolicy, host_name, make_guard


async def ok(request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok")


async def status_of(method: str, path: str, headers: dict[str, str], **settings: object) -> int:
    guard = make_guard(HostPolicy.from_settings(Settings(**settings)))
    response = await guard(make_mocked_request(method, path, headers=headers), ok)
    return response.status


@pytest.mark.parametrize(("host", "name"), [
    ("127.0.0.1:4444", "127.0.0.1"), ("[::1]:4444", "::1"), ("LocalHost", "localhost"),
    ("grid.example.test", "grid.example.test"), ("::1", "::1"),
])
def test_host_name(host: str, name: str) -> None:
    assert host_name(host) == name


@pytest.mark.parametrize(("method", "path", "headers", "expected"), [
    ("GET", "/status", {"Host": "evil.example:4444"}, 403),
    ("GET", "/status", {"Host": "127.0.0.2:4444"}, 200),
    ("GET", "/status", {"Host": "app.localhost:4444"}, 200),
    ("POST", "/session", {"Host": "127.0.0.1:4444", "Origin": "http://evil.example"}, 403),
    ("POST", "/session", {"Host": "127.0.0.1:4444", "Origin": "http://127.0.0.1:4444"}, 200),
    ("POST", "/session", {"Host": "127.0.0.1:4444", "Origin": "http://127.0.0.1:8080"}, 403),
    ("POST", "/session", {"Host": "127.0.0.1:4444", "Sec-Fetch-Site": "cross-site"}, 403),
    ("POST", "/ui/login", {"Host": "127.0.0.1:4444", "Origin": "null",
                           "Sec-Fetch-Site": "same-origin"}, 200),
    ("POST", "/ui/login", {"Host": "127.0.0.1:4444", "Origin": "null",
                           "Sec-Fetch-Site": "cross-site"}, 403),
    ("GET", "/cdp", {"Host": "127.0.0.1:4444", "Upgrade": "websocket",
                     "Origin": "http://evil.example"}, 403),
    ("POST", "/session", {"Host": "127.0.0.1:4444", "User-Agent": "selenium/4.27.0 (java unix)",
                          "Content-Type": "application/json; charset=utf-8"}, 200),
])
async def test_requests(method: str, path: str, headers: dict[str, str], expected: int) -> None:
    assert await status_of(method, path, headers) == expected


async def test_allowed_hosts_origins_and_public_url() -> None:
    settings = {"allowed_hosts": ["grid.internal"], "allowed_origins": ["https://ci.example"],
                "public_url": "https://grid.example.test/tg"}
    assert await status_of("GET", "/status", {"Host": "grid.internal"}, **settings) == 200
    assert await status_of("GET", "/status", {"Host": "grid.example.test"}, **settings) == 200
    for origin in ("https://ci.example", "https://grid.example.test"):
        assert await status_of("POST", "/api/x", {"Host": "grid.internal", "Origin": origin},
                               **settings) == 200
    assert await status_of("GET", "/status", {"Host": "other.example"},
                           allowed_hosts=["*"]) == 200
