"""A person signs in with 2FA, sees a test's session appear, watches it live, ends it and
replays its video, seeking through it."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.integration.accounts import enable_2fa, signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import quit_quietly, remote, sign_in, snap
from tests.support.hubs import RunningHub

# The watched page is royalblue (65, 105, 225): the canvas shows it once frames arrive.
CANVAS_SHOWS_THE_PAGE = """() => {
  const canvas = document.querySelector('#screen canvas');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < data.length; i += 4 * 7) {
    if (Math.abs(data[i] - 65) < 12 && Math.abs(data[i + 1] - 105) < 12 &&
        Math.abs(data[i + 2] - 225) < 12) return true;
  }
  return false;
}"""

VIDEO_HAS_METADATA = """() => {
  const video = document.getElementById('video');
  return video !== null && video.readyState >= 1 && isFinite(video.duration) && video.duration > 0;
}"""

SEEK = """(target) => new Promise((resolve, reject) => {
  const video = document.getElementById('video');
  video.addEventListener('seeked', () => resolve(), { once: true });
  video.addEventListener('error', () => reject(new Error('video error ' + video.error.code)),
                         { once: true });
  video.currentTime = target;
})"""


def test_sign_in_with_2fa_watch_live_end_and_replay_with_seeking(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    email, token = signed_up(grid_hub, "watcher")
    otp, _ = enable_2fa(grid_hub, token)
    page = new_page()
    # the next step's code: the current one was spent on turning 2FA on
    sign_in(page, grid_hub, email, code=otp.at(time.time() + 30))

    driver = remote(grid_hub, email, token, name="checkout flow", enableVNC=True,
                    enableVideo=True)
    try:
        driver.get("data:text/html,<body style='margin:0;background:royalblue'>"
                   "<h1 style='color:white'>checkout</h1></body>")
        row = page.locator(f"#sessions tr[data-session-id='{driver.session_id}']")
        expect(row).to_be_visible()  # appears without a reload: the list polls the API
        expect(row.locator("td[data-label='Test']")).to_have_text("checkout flow")
        expect(row.locator("td[data-label='Outcome']")).to_have_text("running")
        expect(row.locator("td[data-label='User']")).to_have_text(email)
        expect(row.locator("td[data-label='Browser']")).to_contain_text("chrome")
        snap(page, "sessions")

        row.get_by_role("link", name="watch").click()
        expect(page).to_have_url(f"{grid_hub.url}/ui/sessions/{driver.session_id}")
        expect(page.locator("#vnc-status")).to_have_text("live")
        page.wait_for_function(CANVAS_SHOWS_THE_PAGE)
        snap(page, "live-view")

        page.once("dialog", lambda dialog: dialog.accept())  # "End this session?"
        page.get_by_role("button", name="End session").click()
        expect(page.locator("#state")).not_to_have_text("running")
        video = page.locator("video#video")
        expect(video).to_be_visible(timeout=120_000)  # once ffmpeg has finished the file
    finally:
        quit_quietly(driver)

    page.wait_for_function(VIDEO_HAS_METADATA)
    duration = page.evaluate("document.getElementById('video').duration")
    assert duration > 0, f"a {duration} s video"
    target = round(duration / 2, 2)
    page.evaluate(SEEK, target)
    # HAVE_CURRENT_DATA: the frame at the new position has been fetched and can be shown
    page.wait_for_function("document.getElementById('video').readyState >= 2")
    state = page.evaluate("(() => { const v = document.getElementById('video');"
                          " return {time: v.currentTime, ready: v.readyState}; })()")
    assert abs(state["time"] - target) < 0.5, state
    assert state["ready"] >= 2, state
    ranged = page.evaluate("""async (url) => {
        const r = await fetch(url, {headers: {Range: 'bytes=100-199'}});
        return {status: r.status, length: (await r.arrayBuffer()).byteLength};
    }""", f"/api/sessions/{driver.session_id}/video")
    assert ranged == {"status": 206, "length": 100}
    snap(page, "replay")

    page.get_by_role("link", name="Recordings").click()
    recording = page.locator(f"#recordings tr[data-session-id='{driver.session_id}']")
    expect(recording.locator("td[data-label='Status']")).to_have_text("ready")
    expect(recording.get_by_role("link", name="checkout flow")).to_have_attribute(
        "href", f"/ui/sessions/{driver.session_id}")
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit tbody tr", has_text="session.create").first).to_contain_text(
        driver.session_id)

