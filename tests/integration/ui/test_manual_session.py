"""Start a browser by hand from the dashboard, see it live above the fold, go full screen,
drive it through the live screen, end it (after a confirmation) and find its recording by
its name, which opens the replay."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.integration.accounts import basic, signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, snap
from tests.support.hubs import RunningHub

# Any drawn pixel that is not the empty screen's black: the browser's window is up.
CANVAS_SHOWS_A_WINDOW = """() => {
  const canvas = document.querySelector('#screen canvas');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < data.length; i += 4 * 13) {
    if (data[i] > 60 || data[i + 1] > 60 || data[i + 2] > 60) return true;
  }
  return false;
}"""


def test_start_watch_drive_and_end_a_browser_by_hand(grid_hub: RunningHub,
                                                    new_page: PageFactory) -> None:
    email, token = signed_up(grid_hub, "manual")
    page = new_page()
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    sign_in(page, grid_hub, email)
    page.get_by_role("link", name="Start a browser").click()
    expect(page.get_by_label("Browser")).to_contain_text("chrome")
    page.get_by_label("Name").fill("manual checkout check")
    snap(page, "start-a-browser")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("manual checkout check")
    session_id = page.locator("#session").get_attribute("data-session-id")
    assert session_id
    expect(page.locator("#vnc-status")).to_have_text("live", timeout=60_000)
    page.wait_for_function(CANVAS_SHOWS_A_WINDOW)

    # the whole screen is visible at 1280x800 without scrolling
    box = page.locator("#screen").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800 and box["height"] >= 400, box
    snap(page, "manual-live-view", full_page=False)
    page.get_by_role("button", name="Full screen").click()
    page.wait_for_function("document.fullscreenElement && "
                           "document.fullscreenElement.id === 'screen'")
    page.keyboard.press("Escape")
    page.evaluate("document.fullscreenElement && document.exitFullscreen()")

    # drive it: the address bar, through the live screen
    expect(page.get_by_label("view only")).not_to_be_checked()  # started to be driven
    url = ""
    for _ in range(3):  # as a person would: click into it and try again if it was not ready
        page.locator("#screen canvas").click(position={"x": 300, "y": 300})
        page.keyboard.press("Control+l")
        page.keyboard.type("about:version")
        page.keyboard.press("Enter")
        url = _url_after_change(grid_hub, session_id, email, token)
        if url.startswith(("about:version", "chrome://version")):
            break
    assert url.startswith(("about:version", "chrome://version")), url

    page.get_by_role("button", name="End session").click()
    assert any("End this session?" in question for question in questions)
    expect(page.locator("#state")).not_to_have_text("running")
    expect(page.locator("video#video")).to_be_visible(timeout=120_000)

    page.goto(grid_hub.url + "/ui/sessions")
    row = page.locator(f"#sessions tr[data-session-id='{session_id}']")
    expect(row.get_by_role("link", name="replay")).to_be_visible()
    page.goto(grid_hub.url + "/ui/recordings")
    page.get_by_label("Test name").fill("checkout")
    page.get_by_role("button", name="Filter").click()
    found = page.locator(f"#recordings tr[data-session-id='{session_id}']")
    expect(found.locator("td[data-label='Status']")).to_have_text("ready")
    expect(found.get_by_role("link", name="Download")).to_have_attribute(
        "href", f"/api/sessions/{session_id}/video")
    snap(page, "recordings")
    found.get_by_role("link", name="manual checkout check").click()
    expect(page).to_have_url(f"{grid_hub.url}/ui/sessions/{session_id}")
    expect(page.locator("video#video")).to_be_visible()
    page.goto(grid_hub.url + "/ui/recordings?name=no+such+test")
    expect(page.locator("#recordings tbody")).to_have_text("No recordings.")


def _url_after_change(hub: RunningHub, session_id: str, email: str, token: str) -> str:
    """The browser's address, once it has left the new-tab page (or after 10 s)."""
    url = ""
    for _ in range(20):
        status, body = hub.request("GET", f"/session/{session_id}/url",
                                   headers=basic(email, token))
        url = body.get("value", "") if status == 200 else ""
        if "version" in url:
            break
        time.sleep(0.5)
    return url
