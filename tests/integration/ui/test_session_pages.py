"""The sessions list and a session's page: paging past 100, unnamed sessions told apart,
watch/replay only where there is a screen/video, capabilities, node offers and queued
requests with what they asked for."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
import uuid

from playwright.sync_api import expect

from tests.integration.accounts import signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import quit_quietly, remote, sign_in, snap
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub

OLD_SESSIONS = 130


def _old_sessions(hub: RunningHub, owner_id: int) -> None:
    """Ended sessions from the past, written into the hub's own database as it writes them."""
    start = dt.datetime(2026, 1, 1, 12, 0, 0)
    rows = []
    for number in range(OLD_SESSIONS):
        began = start + dt.timedelta(minutes=number)
        rows.append((uuid.uuid4().hex, "an-old-hub", owner_id, "webdriver", "firefox", "128.0",
                     "local", json.dumps({"browserName": "firefox"}),
                     json.dumps({"browserName": "firefox"}),
                     None if number % 2 else f"old test {number}", None, "closed", False,
                     "quit", began.strftime("%Y-%m-%d %H:%M:%S.000000"),
                     (began + dt.timedelta(seconds=30)).strftime("%Y-%m-%d %H:%M:%S.000000")))
    with sqlite3.connect(hub.data_dir / "tggrid.db", timeout=30) as db:
        db.executemany(
            "INSERT INTO sessions (id, hub_id, owner_id, kind, browser_name, browser_version,"
            " node_id, requested_capabilities, capabilities, test_name, test_status, state,"
            " failed, end_reason, started_at, ended_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_the_list_pages_tells_unnamed_sessions_apart_and_offers_only_what_exists(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    email, token = signed_up(grid_hub, "pages")
    _, me = grid_hub.request("GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    _old_sessions(grid_hub, me["user"]["id"])
    page = new_page()
    sign_in(page, grid_hub, email)
    driver = remote(grid_hub, email, token)  # no name, no screen, no video
    try:
        rows = page.locator("#sessions tbody tr")
        expect(rows).to_have_count(100)
        expect(page.locator("#refreshed")).to_contain_text("100 shown (1\u2013100)")
        running = page.locator(f"#sessions tr[data-session-id='{driver.session_id}']")
        expect(running.locator("td[data-label='Test']")).to_have_text(
            f"(unnamed) chrome {driver.session_id[:8]}")
        expect(running.locator("a.action")).to_have_count(0)  # nothing to watch
        expect(running.locator("td[data-label='Started']")).to_have_text(
            re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
        unnamed_old = page.locator("#sessions tbody tr", has_text="(unnamed) firefox").first
        expect(unnamed_old.locator("a.action")).to_have_count(0)  # no video to replay
        expect(page.get_by_role("button", name="Newer")).to_be_hidden()
        page.get_by_role("button", name="Older").click()
        expect(rows).to_have_count(OLD_SESSIONS + 1 - 100)
        expect(page).to_have_url(grid_hub.url + "/ui/sessions?offset=100")
        expect(page.locator("#sessions tbody")).to_contain_text("old test 0")
        expect(page.get_by_role("button", name="Older")).to_be_hidden()
        page.reload()  # the page is in the address
        expect(rows).to_have_count(OLD_SESSIONS + 1 - 100)
        page.get_by_role("button", name="Newer").click()
        expect(rows).to_have_count(100)

        page.goto(f"{grid_hub.url}/ui/sessions/{driver.session_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("(unnamed) chrome")
        expect(page.locator("#returned-caps")).to_contain_text('"browserName": "chrome"')
        expect(page.locator("#screen")).to_have_count(0)
        expect(page.get_by_text("This session has no live screen")).to_be_visible()
        page.get_by_role("link", name="Driver log").click()
        expect(page.locator("body")).to_contain_text("ChromeDriver")
    finally:
        quit_quietly(driver)


def test_nodes_show_what_they_offer_and_the_queue_what_it_asks_for(
        hub_factory: HubFactory, new_page: PageFactory) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "1")
    email, token = signed_up(hub, "queue")
    page = new_page()
    sign_in(page, hub, email)
    page.goto(hub.url + "/ui/nodes")
    node = page.locator("#nodes tbody tr").first
    expect(node.locator("td[data-label='Offers']")).to_contain_text("chrome")
    expect(node.locator("td[data-label='Offers']")).to_contain_text("linux")
    expect(node.locator("td[data-label='Free slots']")).to_have_text("1 of 1")
    first = remote(hub, email, token)
    waiting: list = []
    second = threading.Thread(target=lambda: waiting.append(
        remote(hub, email, token, name="queued one")))
    second.start()
    try:
        expect(node.locator("td[data-label='Free slots']")).to_have_text("0 of 1")
        queued = page.locator("#queue tbody tr").first
        expect(queued.locator("td[data-label='Browser']")).to_have_text("chrome")
        expect(queued.locator("td[data-label='Capabilities']")).to_contain_text(
            '"name":"queued one"')
        snap(page, "nodes-queue")
    finally:
        quit_quietly(first)
        second.join(timeout=180)
        for driver in waiting:
            quit_quietly(driver)
    expect(page.locator("#queue tbody")).to_have_text("Nobody is waiting.")
