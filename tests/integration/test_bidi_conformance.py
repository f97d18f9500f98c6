"""WebDriver BiDi through the hub's websocket against the driver's own, as Selenium 4's and
WebdriverIO's clients drive it: JSON commands with increasing ids over one websocket, answers
matched by id, events (no id) arriving in between."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.drivers import DirectDriver, exchange, installed

LOGGING_PAGE = "data:text/html,<title>bidi</title><script>console.log('hello bidi')</script>"


class BiDiClient:
    """Commands get ids; answers are matched by id; events are kept in arrival order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        command_id = next(self.ids)
        await self.ws.send_str(json.dumps({"id": command_id, "method": method,
                                           "params": params}))
        while True:
            message = json.loads(await self.ws.receive_str(timeout=60))
            if message.get("id") == command_id:
                return message
            if message.get("type") == "event":
                self.events.append(message)


async def conversation(ws_url: str) -> list[Any]:
    """The same conversation, reduced to what must not differ between hub and driver."""
    seen: list[Any] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
        client = BiDiClient(ws)
        status = await client.send("session.status", {})
        seen.append(("session.status", status["type"], sorted(status["result"])))
        tree = await client.send("browsingContext.getTree", {})
        contexts = tree["result"]["contexts"]
        seen.append(("getTree", tree["type"], len(contexts), sorted(contexts[0])))
        context = contexts[0]["context"]
        subscribed = await client.send("session.subscribe", {"events": ["log.entryAdded"]})
        seen.append(("subscribe", subscribed["type"]))
        navigated = await client.send("browsingContext.navigate",
                                      {"context": context, "url": LOGGING_PAGE,
                                       "wait": "complete"})
        seen.append(("navigate", navigated["type"], navigated["result"]["url"]))
        evaluated = await client.send("script.evaluate", {
            "expression": "document.title + ':' + 6 * 7", "target": {"context": context},
            "awaitPromise": False})
        seen.append(("evaluate", evaluated["type"], evaluated["result"]["result"]))
        for _ in range(50):
            if any(e["method"] == "log.entryAdded" for e in client.events):
                break
            await client.send("session.status", {})
        logs = [e["params"] for e in client.events if e["method"] == "log.entryAdded"]
        seen.append(("log.entryAdded", [(e["level"], e["text"]) for e in logs]))
        unknown = await client.send("nope.nothing", {})
        seen.append(("unknown", unknown["type"], unknown["error"]))
        bad = await client.send("script.evaluate", {"expression": "1", "awaitPromise": False,
                                                    "target": {"context": "no-such"}})
        seen.append(("bad context", bad["type"], bad["error"]))
        await ws.close()
        seen.append(("closed", ws.close_code))
    return seen


@pytest.fixture(params=["chrome", "firefox"])
async def driver(request: pytest.FixtureRequest) -> AsyncIterator[DirectDriver]:
    direct = DirectDriver(installed(request.param))
    yield direct
    direct.stop()


async def test_bidi_through_the_hub_is_the_drivers_bidi(shared_hub, driver):
    name = driver.install.name
    status, _, hub = exchange(shared_hub.url, "POST", "/session", {"capabilities": {
        "alwaysMatch": {"browserName": name, "webSocketUrl": True}}})
    assert status == 200, hub
    status, _, direct = driver.new_session({"webSocketUrl": True})
    assert status == 200, direct
    hub_url = hub["value"]["capabilities"]["webSocketUrl"]
    assert hub_url.startswith(shared_hub.url.replace("http", "ws", 1))
    try:
        through_hub = await conversation(hub_url)
        direct_view = await conversation(direct["value"]["capabilities"]["webSocketUrl"])
    finally:
        exchange(shared_hub.url, "DELETE", f"/session/{hub['value']['sessionId']}")
        exchange(driver.url, "DELETE", f"/session/{direct['value']['sessionId']}")
    assert through_hub == direct_view
    assert ("evaluate", "success", {"type": "string", "value": "bidi:42"}) in through_hub
    assert ("log.entryAdded", [("info", "hello bidi")]) in through_hub
