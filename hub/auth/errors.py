"""Why an account rule said no, as values; how to show it is the caller's business.

    AuthError                  code: a stable machine-readable word, message: for people
     +-- InvalidInput          a malformed or unacceptable value (weak password, bad email)
     |    +-- BadTicket        the sign-in form's ticket is forged, damaged or too old
     +-- NotAuthenticated      wrong credentials or code, or the account is gone
     +-- NotAllowed            the caller may not do this
     |    +-- TwoFactorRequired   the password was right; the code is due
     +-- NoSuchAccount         as if other accounts did not exist
     +-- AccountConflict       the account is not in a state that allows it
     +-- TooManyAttempts       throttled

The API renders them as ``{"error": code, "message": message}`` with a status it picks
(``hub.api.errors``), the dashboard on its forms, the CLI as a line on stderr.
"""

from __future__ import annotations

from typing import ClassVar


class AuthError(Exception):
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = code or self.code


class InvalidInput(AuthError):
    code = "bad_request"


class BadTicket(InvalidInput):
    code = "invalid_sign_in_ticket"


class NotAuthenticated(AuthError):
    code = "unauthorized"


class NotAllowed(AuthError):
    code = "forbidden"


class TwoFactorRequired(NotAllowed):
    """Carries the second step's signed ticket."""

    code = "two_factor_required"

    def __init__(self, ticket: str) -> None:
        super().__init__("this account needs a two-factor code")
        self.ticket = ticket


class NoSuchAccount(AuthError):
    code = "not_found"


class AccountConflict(AuthError):
    code = "conflict"


class TooManyAttempts(AuthError):
    code = "too_many_attempts"
