"""TOTP (RFC 6238, via pyotp): one step of clock drift either way, and each code used once.

A code is accepted only for a time step later than the last one accepted for the user, so a
code seen over someone's shoulder (or replayed from a log) is refused.
"""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno

ISSUER = "TGGrid"
VALID_WINDOW = 1
BACKUP_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """A ``data:image/png;base64,...`` QR code an authenticator app can scan."""
    return segno.make(uri, error="m").png_data_uri(scale=5)


def matching_step(secret: str, code: str, last_step: int | None,
                  now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None


def new_backup_codes() -> list[str]:
    """Ten codes like ``k3m9q-x7p2w``: about 50 bits each, easy to type."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(BACKUP_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_backup_code(code: str) -> str:
    raw = code.strip().lower().replace("-", "").replace(" ", "")
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw
