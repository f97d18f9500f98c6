"""What the dashboard tests share: accounts, signing in through the form, screenshots."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.client_config import ClientConfig

from tests.integration.accounts import PASSWORD, new_email, register
from tests.support.hubs import RunningHub

# Set to a folder (docs/screenshots) to save the pages the tests visit as PNGs.
SCREENSHOTS = os.environ.get("TGGRID_UI_SCREENSHOTS", "")


def snap(page: Page, name: str, *, full_page: bool = True) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


def sign_in(page: Page, hub: RunningHub, email: str, code: str | None = None,
            password: str = PASSWORD) -> None:
    page.goto(hub.url + "/ui/sessions")
    expect(page).to_have_url(re.compile(r".*/ui/login\?next=(%2F|/)ui(%2F|/)sessions$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if code is not None:
        snap(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
        snap(page, "sign-in-2fa")
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(hub.url + "/ui/sessions")
    expect(page.locator("header .who")).to_have_text(email)


def signed_in(hub: RunningHub, page: Page, tag: str, path: str = "") -> str:
    """A new account, signed in on ``page`` through the form, then at ``path``; its email."""
    email = new_email(tag)
    register(hub, email)
    sign_in(page, hub, email)
    if path:
        page.goto(hub.url + path)
    return email


def remote(hub: RunningHub, email: str, token: str, **options: Any) -> webdriver.Remote:
    """A test's browser on the hub under test, owned by ``email``."""
    chrome = webdriver.ChromeOptions()
    chrome.set_capability("tggrid:options", {"screenResolution": "800x600", **options})
    config = ClientConfig(remote_server_addr=hub.url, username=email, password=token,
                          timeout=120)
    return webdriver.Remote(command_executor=hub.url, options=chrome, client_config=config)


def quit_quietly(driver: webdriver.Remote) -> None:
    with contextlib.suppress(WebDriverException):
        driver.quit()
