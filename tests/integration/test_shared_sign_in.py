"""Sign-in defences across two hubs on one PostgreSQL database with one secret key: the lockout
holds on both, and the dashboard's 2FA step may land on either hub."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
import requests

from hub.auth.secret_box import load_key
from hub.auth.tickets import Tickets
from tests.integration.accounts import PASSWORD, audit, enable_2fa, login, new_email, register
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

SECRET = "shared by both hubs"


@pytest.fixture
def two_hubs(hub_factory: HubFactory, postgres_url: str  # noqa: F811
             ) -> tuple[RunningHub, RunningHub]:
    flags = ("--auth", "on", "--database-url", postgres_url)
    env = {"TGGRID_SECRET_KEY": SECRET}
    return hub_factory(*flags, env=env, name="a"), hub_factory(*flags, env=env, name="b")


def wait_for(check: Callable[[], bool], what: Callable[[], object]) -> None:
    """Audit entries are written off the request path, a moment later."""
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, what()
        time.sleep(0.2)


@dataclasses.dataclass
class Enrolled:
    """A registered user who turned 2FA on."""

    email: str
    user_id: int
    token: str
    otp: pyotp.TOTP
    backup_codes: list[str]


def enrolled(hub: RunningHub, name: str) -> Enrolled:
    email = new_email(name)
    user_id = register(hub, email)["id"]
    token = login(hub, email)
    return Enrolled(email, user_id, token, *enable_2fa(hub, token))


def next_code(otp: pyotp.TOTP) -> str:
    """Valid (one step of drift) and newer than the code that turned 2FA on."""
    return otp.at(time.time() + 30)


class Browser:
    """One person's browser as plain HTTP: its cookies go to both hubs (one host, two ports)."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def password_step(self, hub: RunningHub, email: str, password: str = PASSWORD,
                      next_url: str = "/ui/recordings") -> requests.Response:
        form = self.http.get(hub.url + "/ui/login", timeout=30)
        return self.http.post(hub.url + "/ui/login", timeout=60, allow_redirects=False, data={
            "csrf_token": field(form.text, "csrf_token"), "next": next_url,
            "email": email, "password": password})

    def code_step(self, hub: RunningHub, ticket: str, code: str) -> requests.Response:
        return self.http.post(hub.url + "/ui/login/2fa", timeout=60, allow_redirects=False,
                              data={"csrf_token": self.http.cookies["tggrid_csrf"],
                                    "ticket": ticket, "code": code})

    def ticket(self, hub: RunningHub, email: str) -> str:
        answer = self.password_step(hub, email)
        assert answer.status_code == 200 and "Two-factor code" in answer.text, answer.text
        assert PASSWORD not in answer.text
        return field(answer.text, "ticket")

    def signed_in(self) -> bool:
        return "tggrid_token" in self.http.cookies


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def error(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', html)
    return found.group(1) if found else ""


def test_wrong_passwords_on_either_hub_lock_the_account_on_both(
        two_hubs: tuple[RunningHub, RunningHub]) -> None:
    first, second = two_hubs
    email = new_email("victim")
    register(first, email)
    token = login(second, email)
    for attempt in range(5):
        hub = two_hubs[attempt % 2]
        status, body = hub.request("POST", "/api/auth/login",
                                   {"email": email, "password": "guess guess"})
        assert (status, body["error"]) == (401, "invalid_credentials")
    for hub in two_hubs:
        status, body = hub.request("POST", "/api/auth/login",
                                   {"email": email, "password": PASSWORD})
        assert (status, body["error"]) == (429, "too_many_attempts"), "even the right password"
        assert "minutes" in body["message"]
    answer = Browser().password_step(first, email)
    assert answer.status_code == 429 and "too many failed attempts" in error(answer.text)
    assert not answer.cookies.get("tggrid_token")

    bystander = new_email("bystander")
    register(second, bystander)
    login(first, bystander)  # the same address, another account: five failures lock no one else

    def actions() -> list[str]:
        return [entry["action"] for entry in audit(first, token)]

    wait_for(lambda: actions().count("auth.login.failed") == 8, actions)
    assert actions().count("auth.lockout") == 1
    lockout = audit(second, token, action="auth.lockout")[0]
    assert lockout["details"] == {"email": email, "address": "127.0.0.1"}


def test_dashboard_sign_in_starts_on_one_hub_and_finishes_on_the_other(
        two_hubs: tuple[RunningHub, RunningHub]) -> None:
    first, second = two_hubs
    user = enrolled(first, "roaming")
    email, otp, backup = user.email, user.otp, user.backup_codes

    browser = Browser()
    ticket = browser.ticket(first, email)
    wrong = browser.code_step(second, ticket, "000000")
    assert wrong.status_code == 401 and "wrong or already used" in error(wrong.text)
    assert field(wrong.text, "ticket") == ticket, "the same form may try again"
    code = next_code(otp)
    answer = browser.code_step(second, ticket, code)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/ui/recordings")
    page = browser.http.get(first.url + "/ui/sessions", timeout=30)
    assert page.status_code == 200 and email in page.text, "signed in on both hubs"
    again = browser.code_step(second, ticket, next_code(otp))
    assert again.status_code == 401 and "sign in again" in error(again.text), \
        "signing in renewed the browser's CSRF cookie, which voids the ticket"

    other = Browser()
    replay = other.code_step(first, other.ticket(second, email), code)
    assert replay.status_code == 401 and "wrong or already used" in error(replay.text)
    assert not other.signed_in()
    ticket = field(replay.text, "ticket")
    assert other.code_step(first, ticket, backup[0]).status_code == 302, "a backup code works"
    third = Browser()
    reused = third.code_step(second, third.ticket(first, email), backup[0])
    assert reused.status_code == 401 and "wrong or already used" in error(reused.text)
    assert not third.signed_in()


def test_a_forged_stale_or_borrowed_ticket_signs_no_one_in(
        two_hubs: tuple[RunningHub, RunningHub], tmp_path: Path) -> None:
    first, second = two_hubs
    user = enrolled(first, "forged")
    email, otp = user.email, user.otp
    browser = Browser()
    ticket = browser.ticket(first, email)

    tampered = ticket[:40] + ("A" if ticket[40] != "A" else "B") + ticket[41:]
    for bad in (tampered, "", "not a ticket"):
        answer = browser.code_step(second, bad, next_code(otp))
        assert answer.status_code == 401, answer.text
        assert error(answer.text) == "this sign-in form is not valid; sign in again"
    # signed with the hubs' key, but five minutes and a second old
    old = Tickets(load_key(SECRET, tmp_path), clock=lambda: time.time() - 301).issue(
        user.user_id, email, "any hash", "/ui/sessions", browser.http.cookies["tggrid_csrf"])
    answer = browser.code_step(second, old, next_code(otp))
    assert answer.status_code == 401
    assert error(answer.text) == "the sign-in took too long; sign in again"
    stranger = Browser()
    stranger.http.get(second.url + "/ui/login", timeout=30)
    answer = stranger.code_step(second, ticket, next_code(otp))
    assert answer.status_code == 401, "a ticket works only in the browser it was given to"
    assert not browser.signed_in() and not stranger.signed_in()
    assert browser.code_step(second, ticket, next_code(otp)).status_code == 302


def test_wrong_codes_on_either_hub_lock_the_second_step_too(
        two_hubs: tuple[RunningHub, RunningHub]) -> None:
    first, second = two_hubs
    user = enrolled(first, "codes")
    email, token, otp = user.email, user.token, user.otp
    browser = Browser()
    ticket = browser.ticket(second, email)
    for attempt in range(5):
        answer = browser.code_step(two_hubs[attempt % 2], ticket, "000000")
        assert answer.status_code == 401, answer.text
    answer = browser.code_step(first, ticket, next_code(otp))
    assert answer.status_code == 429 and "too many failed attempts" in error(answer.text)
    assert not browser.signed_in()
    status, body = second.request("POST", "/api/auth/login", {
        "email": email, "password": PASSWORD, "twoFactorCode": next_code(otp)})
    assert (status, body["error"]) == (429, "too_many_attempts")
    wait_for(lambda: audit(first, token, action="auth.lockout") != [],
             lambda: audit(first, token))
