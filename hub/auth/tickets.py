"""Sign-in tickets: what the dashboard's 2FA form carries between the password and the code.

The hub keeps nothing between the two steps, so any hub sharing the secret key can finish a
sign-in another one started. A ticket is a Fernet token (encrypted and authenticated, from
``cryptography``) keyed from the hub's secret; it names the user, the page to go back to, an
expiry, and keyed fingerprints of the user's password hash (changing the password voids every
ticket) and of the browser's CSRF cookie (a ticket works only in the browser it was given to,
and no more once that browser signs in, which renews the cookie). It never holds the
password, and the browser cannot read what it holds.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken

from hub.auth.errors import BadTicket

LIFETIME = 300.0
PURPOSE = b"tggrid sign-in tickets"


@dataclasses.dataclass(frozen=True)
class Ticket:
    user_id: int
    email: str
    next_url: str
    expires: float
    password: str
    browser: str


class Tickets:
    def __init__(self, secret: bytes, *, lifetime: float = LIFETIME,
                 clock: Callable[[], float] = time.time) -> None:
        key = hmac.new(secret, PURPOSE, hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._mac_key = hmac.new(key, b"password fingerprint", hashlib.sha256).digest()
        self.lifetime = lifetime
        self.clock = clock

    def fingerprint(self, kind: str, value: str) -> str:
        """Changes whenever ``value`` does; says nothing about it without the key."""
        message = f"{kind}:{value}".encode()
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, user_id: int, email: str, password_hash: str, next_url: str,
              browser: str) -> str:
        """A ticket for the user whose password was just checked, in the browser whose CSRF
        cookie is ``browser``."""
        now = self.clock()
        payload = {"uid": user_id, "email": email, "next": next_url, "exp": now + self.lifetime,
                   "pw": self.fingerprint("password", password_hash),
                   "br": self.fingerprint("browser", browser)}
        return self._fernet.encrypt_at_time(json.dumps(payload).encode(), int(now)).decode()

    def read(self, token: str) -> Ticket:
        """The ticket's contents; :class:`BadTicket` when it was not ours or has expired."""
        try:
            payload = json.loads(self._fernet.decrypt(token.encode()))
            ticket = Ticket(int(payload["uid"]), str(payload["email"]), str(payload["next"]),
                            float(payload["exp"]), str(payload["pw"]), str(payload["br"]))
        except (InvalidToken, ValueError, KeyError, TypeError):
            raise BadTicket("this sign-in form is not valid; sign in again") from None
        if ticket.expires <= self.clock():
            raise BadTicket("the sign-in took too long; sign in again",
                            code="sign_in_expired")
        return ticket

    def same_password(self, ticket: Ticket, password_hash: str) -> bool:
        return hmac.compare_digest(ticket.password, self.fingerprint("password", password_hash))

    def same_browser(self, ticket: Ticket, browser: str) -> bool:
        return bool(browser) and hmac.compare_digest(ticket.browser,
                                                     self.fingerprint("browser", browser))
