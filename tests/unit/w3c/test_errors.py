"""W3C errors and the headers every WebDriver answer carries, on a real aiohttp server."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.nodes.base import SessionStartError
from hub.w3c.errors import SPEC_STATUS, InvalidArgument, SessionNotCreated, error_for
from hub.w3c.middleware import webdriver_errors


@pytest.mark.parametrize(("code", "status"), sorted(SPEC_STATUS.items()))
def test_every_spec_code_keeps_its_status(code, status):
    error = error_for(code, "why", "trace")
    assert (error.code, error.status) == (code, status)
    assert error.to_json() == {"value": {"error": code, "message": "why", "stacktrace": "trace"}}


@pytest.mark.parametrize("code", ["made up", None, 7, ["invalid argument"]])
def test_a_code_the_spec_lacks_becomes_session_not_created(code):
    assert type(error_for(code, "why")) is SessionNotCreated


def test_a_drivers_refusal_reaches_the_client_with_its_own_code():
    error = SessionStartError("cannot parse capability: proxy", code="invalid argument",
                              stacktrace="#0 driver")
    webdriver = error.to_webdriver()
    assert isinstance(webdriver, InvalidArgument)
    assert (webdriver.status, webdriver.message, webdriver.stacktrace) == (
        400, "cannot parse capability: proxy", "#0 driver")
    assert type(SessionStartError("no browser").to_webdriver()) is SessionNotCreated


async def _crash(request: web.Request) -> web.Response:
    raise TypeError("unhashable type: 'list' in /secret/path/hub.py")


async def _plain(request: web.Request) -> web.Response:
    return web.json_response({"value": None})


@pytest.fixture
async def client():
    app = web.Application(middlewares=[webdriver_errors])
    app.router.add_get("/session/{id}/crash", _crash)
    app.router.add_get("/session/{id}/plain", _plain)
    app.router.add_get("/api/plain", _plain)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession(str(server.make_url(""))) as session:
        yield session
    await server.close()


@pytest.mark.parametrize("path", ["/session/1/plain", "/session/1/crash", "/wd/hub/nope",
                                  "/session/1/plain?x=1"])
async def test_webdriver_answers_carry_the_spec_headers(client, path):
    async with client.get(path) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-cache"
        assert "value" in await response.json()


async def test_unknown_methods_are_405_with_the_spec_headers(client):
    async with client.post("/session/1/plain") as response:
        assert response.status == 405
        assert response.headers["Cache-Control"] == "no-cache"
        assert (await response.json())["value"]["error"] == "unknown method"


async def test_a_hub_failure_is_unknown_error_without_the_hubs_traceback(client):
    async with client.get("/session/1/crash") as response:
        body = await response.json()
    assert response.status == 500
    assert body["value"]["error"] == "unknown error"
    assert body["value"]["stacktrace"] == ""
    assert "/secret/path" not in str(body) and "Traceback" not in str(body)


async def test_other_surfaces_keep_their_own_caching(client):
    async with client.get("/api/plain") as response:
        assert "Cache-Control" not in response.headers
