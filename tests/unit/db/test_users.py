"""Users and tokens in the database: unique emails, live tokens only, one-time 2FA codes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from hub.db import two_factor, users
from hub.db.engine import Database
from hub.db.models import utcnow


async def test_emails_are_unique_whatever_their_case(db: Database) -> None:
    created = await users.create_user(db, email="Ann@Example.com", password_hash="h")
    assert created.email == "ann@example.com"
    with pytest.raises(IntegrityError):
        await users.create_user(db, email="ann@example.COM ", password_hash="h")
    found = await users.find_user(db, email="ANN@example.com")
    assert found is not None and found.id == created.id


async def test_only_live_tokens_find_their_user(db: Database) -> None:
    user = await users.create_user(db, email="t@example.com", password_hash="h")
    live = await users.add_token(db, user_id=user.id, name="ci", kind="api", token_hash="a" * 64,
                                 prefix="tgg_a")
    await users.add_token(db, user_id=user.id, name="old", kind="login", token_hash="b" * 64,
                          prefix="tgg_b", expires_at=utcnow() - dt.timedelta(seconds=1))
    found = await users.user_for_token(db, "a" * 64)
    assert found is not None and found[0] == user and found[1].id == live.id
    assert await users.user_for_token(db, "b" * 64) is None
    assert await users.user_for_token(db, "c" * 64) is None
    assert [t.name for t in await users.list_tokens(db, user.id)] == ["ci"]
    assert await users.revoke_token(db, token_id=live.id, user_id=user.id + 1) is None
    assert await users.revoke_token(db, token_id=live.id, user_id=user.id) == "a" * 64
    assert await users.user_for_token(db, "a" * 64) is None
    assert await users.list_tokens(db, user.id) == []


async def test_a_disabled_user_has_no_working_token(db: Database) -> None:
    user = await users.create_user(db, email="d@example.com", password_hash="h")
    await users.add_token(db, user_id=user.id, name="ci", kind="api", token_hash="d" * 64,
                          prefix="tgg_d")
    await users.update_user(db, user.id, is_active=False)
    assert await users.user_for_token(db, "d" * 64) is None


async def test_totp_steps_and_backup_codes_are_used_once(db: Database) -> None:
    user = await users.create_user(db, email="2fa@example.com", password_hash="h")
    await two_factor.start_enrollment(db, user.id, "encrypted", ["h1", "h2"])
    assert await two_factor.claim_totp_step(db, user.id, 100) is True
    assert await two_factor.claim_totp_step(db, user.id, 100) is False
    assert await two_factor.claim_totp_step(db, user.id, 99) is False
    assert await two_factor.claim_totp_step(db, user.id, 101) is True
    assert await two_factor.claim_backup_code(db, user.id, "h1") is True
    assert await two_factor.claim_backup_code(db, user.id, "h1") is False
    assert await two_factor.claim_backup_code(db, user.id, "nope") is False
    await two_factor.clear(db, user.id)
    assert await two_factor.claim_backup_code(db, user.id, "h2") is False
    row = await users.find_user(db, user_id=user.id)
    assert row is not None and row.totp_secret is None and not row.totp_enabled

