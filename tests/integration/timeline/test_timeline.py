"""The session timeline with real browsers: steps in order, on the video's clock, masked."""

from __future__ import annotations

import asyncio
import http.client
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import sync_playwright
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from tests.integration.media.conftest import (
    HEIGHT,
    WIDTH,
    open_session,
    pixel_at,
    quit_quietly,
    show,
    wait_for_video,
)
from tests.integration.test_bidi_conformance import BiDiClient
from tests.support.hubs import RunningHub

SECRET = "TopSecret-4242"


@pytest.fixture(scope="module")
def timeline_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    hub = RunningHub(tmp_path_factory.mktemp("timeline-hub"), ["--max-sessions", "2"], {})
    yield hub
    hub.stop()


def steps_of(hub: RunningHub, session_id: str, **query: Any) -> dict[str, Any]:
    """All steps once the timeline has written them (it writes every half second)."""
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    status, body = hub.request("GET", f"/api/sessions/{session_id}/steps?{suffix}")
    assert status == 200, body
    return body


def wait_steps(hub: RunningHub, session_id: str, last: str,
               timeout: float = 20) -> list[dict[str, Any]]:
    """Every step, page by page, once the last one stored is ``last``."""
    deadline = time.monotonic() + timeout
    while True:
        steps: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            body = steps_of(hub, session_id, offset=offset, limit=1000)
            steps.extend(body["steps"])
            offset = body["next"]
        if (steps and steps[-1]["command"] == last) or time.monotonic() > deadline:
            return steps
        time.sleep(0.3)


def _is(colour: tuple[int, int, int], channel: int) -> bool:
    return colour[channel] > 180 and all(colour[c] < 90 for c in range(3) if c != channel)


def test_selenium_steps_match_the_video_and_keep_no_secret(timeline_hub, tmp_path):
    driver = open_session(timeline_hub, enableVideo=True)
    try:
        show(driver, "red")
        time.sleep(2.5)
        show(driver, "blue")
        time.sleep(2.5)
        driver.get("data:text/html,<body style='margin:0;background:lime'>"
                   "<input type=password id=pw></body>")
        driver.find_element(By.CSS_SELECTOR, "#pw").send_keys(SECRET)
        with pytest.raises(NoSuchElementException):
            driver.find_element(By.CSS_SELECTOR, "#missing")
        time.sleep(2.5)
    finally:
        quit_quietly(driver)
    steps = wait_steps(timeline_hub, driver.session_id, "Delete Session")
    commands = [step["command"] for step in steps]
    assert commands[0] == "New Session"
    wanted = ["Navigate To", "Navigate To", "Navigate To", "Find Element", "Element Send Keys",
              "Find Element", "Delete Session"]
    assert [c for c in commands if c in set(wanted)] == wanted, commands
    navigations = [s for s in steps if s["command"] == "Navigate To"]
    assert "background:red" in navigations[0]["target"]
    failed = [s for s in steps if s.get("error")]
    assert [(s["command"], s["error"], s["status"]) for s in failed] == [
        ("Find Element", "no such element", 404)]
    assert failed[0]["text"] == 'Find Element css selector "#missing" -> no such element'
    typed = next(s for s in steps if s["command"] == "Element Send Keys")
    assert typed["target"] == 'css selector "#pw"' and SECRET not in str(typed)
    assert all(a["start"] <= b["start"] for a, b in itertools.pairwise(steps))

    status, _, video = wait_for_video(f"{timeline_hub.url}/api/sessions/"
                                      f"{driver.session_id}/video")
    assert status == 200
    path = tmp_path / "timeline.mp4"
    path.write_bytes(video)
    body = steps_of(timeline_hub, driver.session_id)
    assert body["clock"] == "video"
    navigations = [s for s in body["steps"] if s["command"] == "Navigate To"]
    # halfway between a navigation's end and the next one's start: each page shows for 2.5 s
    moments = [(step["end"] + after["start"]) / 2
               for step, after in itertools.pairwise(navigations)]
    moments.append(navigations[-1]["end"] + 1.2)
    for step, moment, channel in zip(navigations, moments, (0, 2, 1), strict=True):
        colour = pixel_at(path, moment, WIDTH // 2, HEIGHT * 2 // 3)
        assert _is(colour, channel), (step, moment, colour)
    stored = b"".join(p.read_bytes() for p in
                      Path(timeline_hub.data_dir, "recordings").glob("*.steps.jsonl"))
    assert stored and SECRET.encode() not in stored

    # deleting the recording deletes its steps
    _, listing = timeline_hub.request("GET", "/api/recordings")
    [recording] = [r for r in listing["recordings"] if r["sessionId"] == driver.session_id]
    assert timeline_hub.request("DELETE", f"/api/recordings/{recording['id']}")[0] == 204
    steps_file = Path(timeline_hub.data_dir, "recordings", f"{driver.session_id}.steps.jsonl")
    assert not steps_file.exists()
    assert steps_of(timeline_hub, driver.session_id)["total"] == 0


def test_thousands_of_commands_stay_readable_in_pages(timeline_hub):
    driver = webdriver.Remote(timeline_hub.url, options=webdriver.ChromeOptions())  # headless
    try:
        # Get Timeouts: chromedriver answers it without asking the page, so a thousand are quick
        connection = http.client.HTTPConnection(timeline_hub.url.removeprefix("http://"))
        for _ in range(1000):  # each one kept: a thousand steps
            connection.request("GET", f"/session/{driver.session_id}/timeouts")
            assert connection.getresponse().read().startswith(b'{"value"')
        connection.close()
    finally:
        quit_quietly(driver)
    wait_steps(timeline_hub, driver.session_id, "Delete Session", timeout=30)
    first = steps_of(timeline_hub, driver.session_id, limit=1000)
    assert first["total"] == 1002 and first["next"] == 1000 and len(first["steps"]) == 1000
    last = steps_of(timeline_hub, driver.session_id, offset=1000, limit=1000)
    assert [s["command"] for s in last["steps"]] == ["Get Timeouts", "Delete Session"]
    assert last["next"] is None
    path = Path(timeline_hub.data_dir, "recordings", f"{driver.session_id}.steps.jsonl")
    assert path.stat().st_size < 1002 * 300  # a few hundred bytes a step
    status, body = timeline_hub.request("GET", f"/api/sessions/{driver.session_id}/steps"
                                        "?limit=100000")
    assert status == 400, body
    status, body = timeline_hub.request("GET", "/api/sessions/nosuchsession/steps")
    assert status == 404, body


def test_playwright_over_cdp_makes_a_short_readable_list(timeline_hub):
    page_url = ("data:text/html,<title>pw</title><button id=b "
                "style='width:300px;height:200px'>go</button>")
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(timeline_hub.url.replace("http", "ws") + "/cdp",
                                               timeout=120_000)
        try:
            _, sessions = timeline_hub.request("GET", "/api/sessions?state=running")
            session_id = sessions["items"][0]["id"]
            context = browser.contexts[0]
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(page_url)
            page.mouse.move(10, 10)
            page.mouse.move(200, 150, steps=25)
            page.click("#b")
            assert page.screenshot().startswith(b"\x89PNG")
        finally:
            browser.close()
    deadline = time.monotonic() + 20
    while True:
        steps = steps_of(timeline_hub, session_id, limit=1000)["steps"]
        names = [s["command"] for s in steps]
        if "Page.captureScreenshot" in names or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert "Page.navigate" in names, names
    navigate = next(s for s in steps if s["command"] == "Page.navigate")
    assert navigate["target"].startswith("data:text/html,<title>pw")
    moves = [s for s in steps if s["command"] == "Input.dispatchMouseEvent"
             and s["target"].startswith("mouseMoved")]
    assert moves and max(s.get("count", 1) for s in moves) >= 10, moves
    assert any(s["target"].startswith("mousePressed") for s in steps
               if s["command"] == "Input.dispatchMouseEvent")
    shot = next(s for s in steps if s["command"] == "Page.captureScreenshot")
    assert shot["result"]["marker"] == "screenshot"
    assert names.index("Page.navigate") < names.index("Page.captureScreenshot")
    assert not any(n.startswith(("Network.", "Target.")) for n in names)
    assert len(steps) < 60, [s["text"] for s in steps]


def test_bidi_calls_and_the_events_that_matter(timeline_hub):
    options = webdriver.ChromeOptions()
    options.set_capability("webSocketUrl", True)
    driver = webdriver.Remote(timeline_hub.url, options=options)

    async def talk(url: str) -> None:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            client = BiDiClient(ws)
            tree = await client.send("browsingContext.getTree", {})
            context = tree["result"]["contexts"][0]["context"]
            await client.send("session.subscribe", {"events": ["log.entryAdded"]})
            await client.send("browsingContext.navigate", {
                "context": context, "wait": "complete",
                "url": "data:text/html,<script>console.error('broken cart')</script>"})
            failed = await client.send("browsingContext.navigate", {
                "context": "no-such-context", "url": "about:blank"})
            assert failed["type"] == "error"

    try:
        asyncio.run(talk(driver.capabilities["webSocketUrl"]))
    finally:
        quit_quietly(driver)
    steps = wait_steps(timeline_hub, driver.session_id, "Delete Session")
    bidi = [s for s in steps if s["kind"] == "bidi"]
    names = [s["command"] for s in bidi]
    assert "session.subscribe" not in names, names
    assert names.count("browsingContext.navigate") == 2, names
    logged = next(s for s in bidi if s["command"] == "log.entryAdded")
    assert (logged["error"], logged["message"]) == ("console error", "broken cart")
    failed = [s for s in bidi if s["command"] == "browsingContext.navigate" and s.get("error")]
    assert [s["error"] for s in failed] == ["no such frame"], bidi
