"""An admin manages people in the dashboard (create, role, disable, reset password and 2FA,
delete; each audited and confirmed where destructive); sign-up from the sign-in page; admin
pages refuse others with a styled page; the favicon is served signed out."""

from __future__ import annotations

import urllib.request

from playwright.sync_api import expect

from tests.integration.accounts import PASSWORD, bearer, cli, enable_2fa, login, new_email
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, snap
from tests.support.hubs import RunningHub


def test_an_admin_manages_people(grid_hub: RunningHub, new_page: PageFactory) -> None:
    admin = new_email("boss")
    cli(grid_hub, "user", "create", admin, "--admin", "--password", PASSWORD)
    page = new_page()
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    sign_in(page, grid_hub, admin)
    page.locator("header nav").get_by_role("link", name="People").click()
    expect(page).to_have_url(grid_hub.url + "/ui/users")

    person = new_email("hired")
    form = page.locator("#new-person")
    form.get_by_label("Email").fill(admin)
    form.get_by_label("Name").fill("New Hire")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("exists")  # refused, nothing made
    form.get_by_label("Email").fill(person)
    form.get_by_label("Name").fill("New Hire")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_have_text("The account was made.")
    page.reload()  # no second account, no error
    expect(page.locator("#people tbody tr", has_text=person)).to_have_count(1)
    row = page.locator(f"#people tr[data-email='{person}']")
    expect(row.locator("td[data-label='Role']")).to_have_text("user")

    row.get_by_role("button", name="Make admin").click()
    expect(row.locator("td[data-label='Role']")).to_have_text("admin")
    row.get_by_role("button", name="Make user").click()
    expect(row.locator("td[data-label='Role']")).to_have_text("user")

    token = login(grid_hub, person)
    enable_2fa(grid_hub, token)
    page.reload()
    expect(row.locator("td[data-label='Two-factor']")).to_have_text("on")
    row.get_by_role("button", name="Reset 2FA").click()
    expect(row.locator("td[data-label='Two-factor']")).to_have_text("off")

    row.locator("summary", has_text="Reset password").click()
    row.get_by_label(f"New password for {person}").fill("reset-password-9")
    row.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("The password was reset")
    assert grid_hub.request("GET", "/api/auth/me", headers=bearer(token))[0] == 401
    login(grid_hub, person, "reset-password-9")

    row.get_by_role("button", name="Disable").click()
    expect(row.locator("td[data-label='Status']")).to_have_text("disabled")
    status, _ = grid_hub.request("POST", "/api/auth/login",
                                 {"email": person, "password": "reset-password-9"})
    assert status == 403
    snap(page, "people")
    row.get_by_role("button", name="Enable").click()
    expect(row.locator("td[data-label='Status']")).to_have_text("active")
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("The account was deleted.")
    expect(page.locator("#people tbody tr", has_text=person)).to_have_count(0)
    assert any("Delete " + person in q for q in questions)
    assert any("Disable " + person in q for q in questions)
    # an admin cannot lock themself out from here
    me = page.locator(f"#people tr[data-email='{admin}']")
    expect(me.get_by_role("button", name="Delete")).to_have_count(0)

    page.goto(grid_hub.url + f"/ui/audit?action=user.&person={admin}")
    actions = page.locator("#audit td[data-label='Action']").all_text_contents()
    for action in ("user.create", "user.update", "user.2fa.reset", "user.password.reset",
                   "user.delete"):
        assert action in actions, actions
    update = page.locator("#audit tbody tr", has_text="user.update").last
    expect(update.locator("td[data-label='Details']")).to_contain_text("isAdmin: false → true")
    snap(page, "audit")


def test_sign_up_from_the_sign_in_page_and_admin_pages_are_styled_refusals(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    page = new_page()
    page.goto(grid_hub.url + "/ui/login")
    page.get_by_role("link", name="Sign up").click()
    email = new_email("joiner")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    sign_in(page, grid_hub, email)
    for path in ("/ui/users", "/ui/settings"):
        answer = page.goto(grid_hub.url + path)
        assert answer is not None and answer.status == 403
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.locator("#error-message")).to_have_text("This page is for admins.")
        expect(page.locator("header nav").get_by_role("link", name="Sessions")).to_be_visible()
    answer = page.goto(grid_hub.url + "/ui/recordings?from=junk")
    assert answer is not None and answer.status == 400
    expect(page.locator("#error-message")).to_contain_text("from must be a date")
    snap(page, "error-page")

    with urllib.request.urlopen(grid_hub.url + "/favicon.ico") as icon:  # signed out
        assert icon.status == 200 and icon.headers["Content-Type"] == "image/x-icon"
        assert icon.read(4) == b"\x00\x00\x01\x00"
