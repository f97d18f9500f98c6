"""Argon2 password hashes."""

from __future__ import annotations

from hub.auth import passwords


async def test_hash_and_verify() -> None:
    hashed = await passwords.hash_password("s3cret-pass")
    assert hashed.startswith("$argon2id$") and "s3cret-pass" not in hashed
    assert await passwords.verify_password(hashed, "s3cret-pass") is True
    assert await passwords.verify_password(hashed, "s3cret-pasS") is False
    assert await passwords.verify_password(None, "s3cret-pass") is False
    assert await passwords.verify_password("not a hash", "s3cret-pass") is False


def test_short_passwords_are_refused() -> None:
    assert passwords.check_strength("short") is not None
    assert passwords.check_strength("long enough") is None
