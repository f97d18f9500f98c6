"""HTTP Basic with the e-mail percent-encoded, as a hub URL must spell it
(``http://me%40example.org:TOKEN@hub/wd/hub``) and as Selenium then sends it."""

from __future__ import annotations

import urllib.parse

from tests.integration.accounts import basic, new_email, signed_up
from tests.support.fixtures import HubFactory


def test_a_percent_encoded_email_signs_in(hub_factory: HubFactory) -> None:
    hub = hub_factory("--auth", "on")
    email, token = signed_up(hub)
    status, me = hub.request("GET", "/api/auth/me",
                             headers=basic(urllib.parse.quote(email, safe=""), token))
    assert status == 200 and me["user"]["email"] == email
    status, _ = hub.request("GET", "/api/auth/me",
                            headers=basic(urllib.parse.quote(new_email(), safe=""), token))
    assert status == 401
