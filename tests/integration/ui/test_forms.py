"""Forms in a browser follow post-redirect-get: a reload never acts twice, a GET of a form's
address is a page, a 2FA set-up survives reloads until it is confirmed or cancelled, and a
wrong set-up code is not a failed sign-in."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.integration.accounts import PASSWORD, bearer, login, new_email, register
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, signed_in
from tests.support.hubs import RunningHub


def _audit(hub: RunningHub, token: str, action: str) -> list[dict]:
    status, body = hub.request("GET", f"/api/audit-logs?action={action}", headers=bearer(token))
    assert status == 200, body
    return body["items"]


def test_a_reload_after_making_a_token_makes_no_second_one(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    page = new_page()
    signed_in(grid_hub, page, "prg", "/ui/account")
    page.get_by_label("Name").fill("ci")
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_url(grid_hub.url + "/ui/account#tokens")  # redirected to a page
    secret = page.locator("#new-token").text_content()
    assert secret and secret.startswith("tgg_")
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    expect(page.locator("#tokens tbody tr", has_text="ci")).to_have_count(1)
    status, tokens = grid_hub.request("GET", "/api/tokens", headers=bearer(secret))
    assert status == 200 and [t["name"] for t in tokens["items"]] == ["ci"], tokens

    # the form's address opened directly is the account page, never a bare 405
    answer = page.goto(grid_hub.url + "/ui/account/tokens")
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", name="Account")).to_be_visible()

    # an unknown address and a method a page does not take are styled pages with navigation
    answer = page.goto(grid_hub.url + "/ui/nowhere")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("header nav").get_by_role("link", name="Sessions")).to_be_visible()
    status = page.evaluate("""async () => (await fetch('/ui/sessions', {method: 'PUT',
        headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}))
        .status""")
    assert status == 405


def test_2fa_setup_survives_a_reload_and_a_wrong_code_is_no_failed_sign_in(
        grid_hub: RunningHub, new_page: PageFactory) -> None:
    email = new_email("setup")
    register(grid_hub, email)
    token = login(grid_hub, email)
    page = new_page()
    sign_in(page, grid_hub, email)
    page.goto(grid_hub.url + "/ui/account")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page).to_have_url(grid_hub.url + "/ui/account#two-factor")
    secret = page.locator("#totp-secret").text_content()
    codes = page.locator("#backup-codes code").all_text_contents()
    assert secret and len(codes) >= 8

    page.reload()  # the same key and codes: the QR code already scanned still works
    expect(page.locator("#totp-secret")).to_have_text(secret)
    assert page.locator("#backup-codes code").all_text_contents() == codes
    page.goto(grid_hub.url + "/ui/account/2fa/enable")  # a GET of the form's address
    expect(page.locator("#totp-secret")).to_have_text(secret)

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong two-factor code")
    expect(page.locator("#totp-secret")).to_have_text(secret)  # still set up, same key
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)  # the reload posted nothing again
    failed = [e for e in _audit(grid_hub, token, "auth.login.failed")
              if e["userEmail"] == email]
    assert failed == []
    assert any(e["details"].get("reason") == "bad_two_factor_code"
               for e in _audit(grid_hub, token, "auth.2fa.verify.failed"))

    # cancelled: the next set-up has a new key
    page.get_by_role("button", name="Cancel the set-up").click()
    expect(page.get_by_role("status")).to_have_text("The two-factor set-up was cancelled.")
    page.reload()
    expect(page.locator("#totp-secret")).to_have_count(0)
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    fresh = page.locator("#totp-secret").text_content()
    assert fresh and fresh != secret
    page.get_by_label("Code from the app").fill(pyotp.TOTP(fresh).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_have_text("Two-factor sign-in is on.")
    page.reload()
    expect(page.locator("#backup-codes")).to_have_count(0)


def test_change_own_password(grid_hub: RunningHub, new_page: PageFactory) -> None:
    page = new_page()
    email = signed_in(grid_hub, page, "own", "/ui/account")
    page.get_by_label("Current password").fill("not the password")
    page.get_by_label("New password").fill("another-password-1")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("current password is wrong")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("another-password-1")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    sign_in(page, grid_hub, email, password="another-password-1")  # signed out here too
    status, _ = grid_hub.request("POST", "/api/auth/login",
                                 {"email": email, "password": PASSWORD})
    assert status == 401
