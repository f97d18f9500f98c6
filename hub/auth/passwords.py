"""Password hashing with Argon2id; hashing runs in a thread so it never stalls the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def check_strength(password: str) -> str | None:
    """Why the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    return None


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when it matches; ``None`` hash (no such user) takes the same time and is False."""
    return await asyncio.to_thread(_verify, password_hash, password)
