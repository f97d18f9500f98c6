"""The session page's steps: they appear live beside the screen, failed ones stand out, and
after the session a click on a step seeks the video while playing highlights the step."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from tests.integration.accounts import signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import quit_quietly, remote, sign_in
from tests.support.hubs import RunningHub

SEEK = """(target) => new Promise((resolve) => {
  const video = document.getElementById('video');
  video.addEventListener('seeked', () => resolve(), { once: true });
  video.currentTime = target;
})"""


def test_steps_beside_the_live_screen_and_the_video(grid_hub: RunningHub,
                                                      new_page: PageFactory) -> None:
    email, token = signed_up(grid_hub, "steps")
    page = new_page()
    sign_in(page, grid_hub, email)
    driver = remote(grid_hub, email, token, enableVNC=True, enableVideo=True)
    steps = page.locator("#step-list li")
    try:
        page.goto(f"{grid_hub.url}/ui/sessions/{driver.session_id}")
        expect(page.locator("#vnc-status")).to_have_text("live")
        driver.get("data:text/html,<body style='background:red'>red</body>")
        expect(steps.filter(has_text="Navigate To")).to_have_count(1)  # no reload: it polls
        with pytest.raises(NoSuchElementException):
            driver.find_element(By.CSS_SELECTOR, "#nothing-here")
        failed = page.locator("#step-list li.failed")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text('Find Element css selector "#nothing-here" -> '
                                       "no such element")
        time.sleep(1.5)
        driver.get("data:text/html,<body style='background:blue'>blue</body>")
        time.sleep(1.5)
    finally:
        quit_quietly(driver)
    expect(page.locator("video#video")).to_be_visible(timeout=120_000)  # the page reloads
    expect(steps.last).to_contain_text("Delete Session")
    blue = steps.filter(has_text="background:blue")
    start = float(blue.get_attribute("data-start") or "nan")
    blue.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('video').currentTime - {start}) < 0.3")
    expect(blue).to_have_class("step current")
    page.evaluate(SEEK, 0.0)
    page.evaluate("document.getElementById('video').play()")
    red = steps.filter(has_text="background:red")
    expect(red).to_have_class("step current", timeout=30_000)  # playing moves the highlight

    # the steps are the owner's (and admins'), as the video is: anyone else gets 404
    path = f"/api/sessions/{driver.session_id}/steps"
    status, body = grid_hub.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and body["total"] == steps.count(), body
    _, stranger = signed_up(grid_hub, "stranger")
    status, body = grid_hub.request("GET", path,
                                    headers={"Authorization": f"Bearer {stranger}"})
    assert (status, body["error"]) == (404, "not_found"), body
    assert grid_hub.request("GET", path)[0] == 401
