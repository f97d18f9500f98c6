"""The WebDriver surface's refusals, which need no browser: a real hub in-process whose only
node is a FakeNode (it never starts a browser for these requests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.config import Settings
from hub.keys import DISTRIBUTOR
from hub.nodes.base import SessionStartError
from tests.unit.grid.fake_node import FakeNode

# One hub for the module: these requests leave nothing behind.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def fake() -> FakeNode:
    """Shared by the module's tests: sessions they start keep their slots until it ends."""
    return FakeNode("fake", max_sessions=8)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client(tmp_path_factory, fake) -> AsyncIterator[TestClient]:
    app = create_app(Settings(data_dir=str(tmp_path_factory.mktemp("hub")), browsers=[]))

    async def add_fake_node(app: web.Application) -> None:
        app[DISTRIBUTOR].add_node(fake)

    app.on_startup.append(add_fake_node)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_malformed_json_is_400_invalid_argument(client):
    reply = await client.post("/session", data=b"{not json")
    assert reply.status == 400
    assert (await reply.json())["value"]["error"] == "invalid argument"


@pytest.mark.parametrize("body", [
    {"capabilities": {"alwaysMatch": {"browserName": 7}}},
    {"capabilities": {"alwaysMatch": {"pageLoadStrategy": "warp"}}},
    {"capabilities": {"firstMatch": []}},
    {"capabilities": {"alwaysMatch": {"tggrid:options": {"screenResolution": "huge"}}}},
    {"desiredCapabilities": {"browserName": "chrome"}},
])
async def test_invalid_capabilities_are_400_invalid_argument(client, body):
    reply = await client.post("/wd/hub/session", json=body)
    assert reply.status == 400
    assert (await reply.json())["value"]["error"] == "invalid argument"


async def test_unsatisfiable_capabilities_fail_at_once_naming_the_offer(client):
    reply = await client.post("/session", json={
        "capabilities": {"alwaysMatch": {"browserName": "safari"}}})
    assert reply.status == 500
    value = (await reply.json())["value"]
    assert value["error"] == "session not created"
    assert "safari" in value["message"] and "This grid offers: chrome" in value["message"]


@pytest.mark.parametrize("prefix", ["", "/wd/hub"])
async def test_unknown_session_is_404_invalid_session_id(client, prefix):
    reply = await client.get(f"{prefix}/session/nope/url")
    assert reply.status == 404
    value = (await reply.json())["value"]
    assert value["error"] == "invalid session id"
    assert "no such session" in value["message"]
    assert set(value) == {"error", "message", "stacktrace"}


async def test_api_create_with_bad_options_is_400(client):
    reply = await client.post("/api/sessions/create",
                              json={"browserType": "chrome", "screenResolution": "huge"})
    assert reply.status == 400
    assert (await reply.json())["error"] == "invalid_argument"


async def test_a_drivers_refusal_keeps_its_w3c_code_on_both_entry_points(client, fake):
    refusal = "invalid argument: cannot parse capability: proxy"
    fake.fail_next(SessionStartError(refusal, code="invalid argument", stacktrace="#0 driver"))
    reply = await client.post("/session", json={"capabilities": {}})
    assert reply.status == 400
    assert (await reply.json())["value"] == {
        "error": "invalid argument", "message": refusal, "stacktrace": "#0 driver"}
    fake.fail_next(SessionStartError(refusal, code="invalid argument"))
    reply = await client.post("/api/sessions/create", json={"browserType": "chrome"})
    assert reply.status == 400
    assert (await reply.json())["error"] == "invalid_argument"


async def test_an_exact_browser_name_wins_over_the_case_insensitive_match(client, fake):
    fake.options_seen.clear()
    reply = await client.post("/session", json={"capabilities": {"firstMatch": [
        {"browserName": "CHROME", "se:name": "folded"},
        {"browserName": "chrome", "se:name": "exact"},
    ]}})
    assert reply.status == 200
    assert [options.name for options in fake.options_seen] == ["exact"]

