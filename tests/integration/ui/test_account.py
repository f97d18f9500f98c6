"""The account page in a browser: two-factor sign-in on (QR code, backup codes once) and
off, API tokens made and revoked, and forms refused without their CSRF token."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.integration.accounts import PASSWORD, bearer, new_email, register
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, signed_in, snap
from tests.support.hubs import RunningHub


def test_turn_on_2fa_sign_in_with_it_and_turn_it_off(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    email = new_email("account")
    register(grid_hub, email)
    page = new_page()
    sign_in(page, grid_hub, email)
    page.get_by_role("link", name=email).click()
    expect(page.get_by_text("Two-factor sign-in is off.")).to_be_visible()

    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/")
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    codes = page.locator("#backup-codes code").all_text_contents()
    assert len(codes) >= 8 and len(set(codes)) == len(codes)
    otp = pyotp.TOTP(page.locator("#totp-secret").text_content())
    snap(page, "account-2fa")
    page.get_by_label("Code from the app").fill(otp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor sign-in is on.")
    page.reload()
    expect(page.locator("#backup-codes")).to_have_count(0)  # shown once, never again

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r".*/ui/login$"))
    page.goto(grid_hub.url + "/ui/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong or already used")
    page.get_by_label("Code").fill(codes[0])  # a backup code works once
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("header .who")).to_have_text(email)
    cookie = next(c for c in page.context.cookies() if c["name"] == "tggrid_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    page.goto(grid_hub.url + "/ui/account")
    two_factor = page.locator("#two-factor")
    two_factor.get_by_label("Password").fill(PASSWORD)
    two_factor.get_by_label("Code").fill(otp.at(time.time() + 30))
    two_factor.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor sign-in is off.")


def test_create_and_revoke_an_api_token(grid_hub: RunningHub, new_page: PageFactory) -> None:
    page = new_page()
    email = signed_in(grid_hub, page, "tokens", "/ui/account")
    page.get_by_label("Name").fill("ci <script>")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").text_content()
    assert secret.startswith("tgg_")
    status, me = grid_hub.request("GET", "/api/auth/me", headers=bearer(secret))
    assert (status, me["user"]["email"]) == (200, email)
    row = page.locator("#tokens tbody tr", has_text="ci <script>")
    expect(row).to_have_count(1)
    snap(page, "account")

    page.goto(grid_hub.url + "/ui/account")
    expect(page.locator("#new-token")).to_have_count(0)  # the secret is shown once
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Revoke").click()  # asked, and not confirmed
    expect(row).to_have_count(1)
    assert questions and "Revoke the token ci <script>?" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("The token was revoked.")
    expect(page.locator("#tokens tbody tr", has_text="ci <script>")).to_have_count(0)
    assert grid_hub.request("GET", "/api/auth/me", headers=bearer(secret))[0] == 401


def test_forms_and_cookie_calls_without_the_csrf_token_are_refused(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    page = new_page()
    signed_in(grid_hub, page, "csrf", "/ui/account")
    page.evaluate("document.querySelector('#tokens input[name=csrf_token]').remove()")
    page.get_by_label("Name").fill("forged")
    with page.expect_response(lambda r: r.url.endswith("/ui/account/tokens")) as answer:
        page.get_by_role("button", name="Create token").click()
    assert answer.value.status == 403
    expect(page.locator("body")).to_contain_text("CSRF token is missing")

    page.goto(grid_hub.url + "/ui/account")
    page.evaluate("document.querySelector('#tokens input[name=csrf_token]').value = 'forged'")
    page.get_by_label("Name").fill("forged")
    with page.expect_response(lambda r: r.url.endswith("/ui/account/tokens")) as answer:
        page.get_by_role("button", name="Create token").click()
    assert answer.value.status == 403

    page.goto(grid_hub.url + "/ui/account")
    # the API, called with the session cookie from the page, needs the header too
    forged = page.evaluate("""async () => {
        const r = await fetch('/api/tokens', {method: 'POST', body: '{"name": "forged"}',
                                              headers: {'Content-Type': 'application/json'}});
        return r.status;
    }""")
    assert forged == 403
    allowed = page.evaluate("""async () => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const r = await fetch('/api/tokens', {method: 'POST', body: '{"name": "scripted"}',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
        return r.status;
    }""")
    assert allowed == 201
    page.goto(grid_hub.url + "/ui/account")
    expect(page.locator("#tokens tbody tr", has_text="forged")).to_have_count(0)
    expect(page.locator("#tokens tbody tr", has_text="scripted")).to_have_count(1)
