"""Password rules and hashing with Argon2id; hashing runs in a thread so it never stalls the
event loop.

Common passwords come from zxcvbn's ranked list (the 30,000 most used passwords of public
leaks), a library kept for exactly this, rather than a list copied into the project.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.matching import RANKED_DICTIONARIES

MIN_LENGTH = 8
MAX_LENGTH = 256
COMMON = RANKED_DICTIONARIES["passwords"]
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def check_strength(password: str) -> str | None:
    """Why the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password may have at most {MAX_LENGTH} characters"
    if password.lower() in COMMON:
        return "this password is one of the most common ones; choose another"
    return None


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:  # never set, so never right; not worth hashing
        password = ""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when it matches; ``None`` hash (no such user) takes the same time and is False."""
    return await asyncio.to_thread(_verify, password_hash, password)
