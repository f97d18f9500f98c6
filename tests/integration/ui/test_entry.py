"""Getting to the dashboard: browsers are sent to /ui, WebDriver clients are not; pages carry
a strict Content-Security-Policy; a phone-width screen needs no sideways scrolling."""

from __future__ import annotations

import http.client
import json

from playwright.sync_api import expect

from tests.integration.accounts import bearer, signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, snap
from tests.support.hubs import RunningHub


def ask(hub: RunningHub, method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_browsers_go_to_the_dashboard_and_webdriver_clients_do_not(grid_hub: RunningHub
                                                                     ) -> None:
    html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = ask(grid_hub, "GET", "/", {"Accept": html})
    assert (response.status, response.getheader("Location")) == (302, "/ui/")
    assert ask(grid_hub, "GET", "/", {"Accept": "application/json"}).status != 302
    new_session = ask(grid_hub, "POST", "/session", {"Accept": html, "Content-Type":
                      "application/json"}, json.dumps({"capabilities": {}}).encode())
    assert new_session.status == 401  # the WebDriver surface answers, as before
    response = ask(grid_hub, "GET", "/ui", {"Accept": html})
    assert (response.status, response.getheader("Location")) == (302, "/ui/sessions")
    response = ask(grid_hub, "GET", "/ui/sessions", {"Accept": html})
    assert response.status == 302
    assert response.getheader("Location").startswith("/ui/login?next=")


def test_pages_forbid_inline_script_and_forms_need_the_csrf_token(grid_hub: RunningHub
                                                                    ) -> None:
    response = ask(grid_hub, "GET", "/ui/login")
    assert response.status == 200
    policy = response.getheader("Content-Security-Policy")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    cookie = response.getheader("Set-Cookie")
    assert "tggrid_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    refused = ask(grid_hub, "POST", "/ui/login",
                  {"Content-Type": "application/x-www-form-urlencoded"},
                  b"email=a%40example.com&password=x")
    assert refused.status == 403


def test_phone_width_needs_no_sideways_scrolling(grid_hub: RunningHub,
                                                new_page: PageFactory) -> None:
    email, _ = signed_up(grid_hub, "phone")
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, grid_hub, email)
    for path in ("/ui/sessions", "/ui/nodes", "/ui/recordings", "/ui/audit", "/ui/account",
                 "/ui/sessions/new", "/ui/nowhere"):
        page.goto(grid_hub.url + path)
        expect(page.get_by_role("navigation").first).to_be_visible()
        wide, room = page.evaluate("[document.documentElement.scrollWidth,"
                                   " document.documentElement.clientWidth]")
        assert wide <= room, f"{path} is {wide} px wide on a {room} px screen"
    page.goto(grid_hub.url + "/ui/audit")
    expect(page.locator("#audit tbody tr").first).to_contain_text("auth.login")
    snap(page, "phone-audit", full_page=False)


def test_the_audit_log_filters_and_pages(grid_hub: RunningHub, new_page: PageFactory) -> None:
    email, token = signed_up(grid_hub, "pager")
    for number in range(55):
        status, _ = grid_hub.request("POST", "/api/tokens", {"name": f"t{number}"},
                                     headers=bearer(token))
        assert status == 201
    page = new_page()
    sign_in(page, grid_hub, email)
    page.goto(grid_hub.url + "/ui/audit")
    page.get_by_label("Action").fill("auth.token.create")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("auth.token.create")
    page.get_by_role("link", name="Older").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    assert page.locator("#audit tbody").inner_text().count("auth.token.create") == 5
