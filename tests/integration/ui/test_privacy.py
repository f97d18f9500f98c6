"""What one person sees of another's work (nothing), and test names shown as text, never
as markup."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.integration.accounts import signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import quit_quietly, remote, sign_in
from tests.support.hubs import RunningHub

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_test_names_are_text_and_other_users_sessions_stay_hidden(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    owner, owner_token = signed_up(grid_hub, "owner")
    other, _ = signed_up(grid_hub, "other")
    mine, theirs = new_page(), new_page()
    dialogs: list[str] = []
    for page in (mine, theirs):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(mine, grid_hub, owner)
    sign_in(theirs, grid_hub, other)

    driver = remote(grid_hub, owner, owner_token, name=PAYLOAD)
    try:
        row = mine.locator(f"#sessions tr[data-session-id='{driver.session_id}']")
        expect(row.locator("td[data-label='Test']")).to_have_text(PAYLOAD)
        expect(row.locator("img")).to_have_count(0)
        row.get_by_role("link", name=PAYLOAD).click()
        expect(mine.get_by_role("heading", level=1)).to_contain_text(PAYLOAD)
        expect(mine.locator("main img")).to_have_count(0)

        # the other user's list has been refreshed since the session started, and is empty
        expect(theirs.locator("#refreshed")).to_contain_text("0 shown")
        theirs.reload()
        expect(theirs.locator("#refreshed")).to_contain_text("0 shown")
        expect(theirs.locator("#sessions tbody")).to_have_text("No sessions.")
        theirs.goto(f"{grid_hub.url}/ui/sessions/{driver.session_id}")
        expect(theirs.get_by_role("heading", name="Not found")).to_be_visible()
        assert PAYLOAD not in theirs.content()
        status = theirs.evaluate(
            "async (id) => (await fetch('/api/sessions/' + id)).status", driver.session_id)
        assert status == 404
    finally:
        quit_quietly(driver)
    assert dialogs == []
