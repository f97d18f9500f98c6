"""Token checks on every request: cached for the command path, never past a revocation."""

from __future__ import annotations

from hub.auth import tokens
from hub.auth.authenticator import Authenticator, Credentials
from hub.db import users
from hub.db.engine import Database


async def new_token(db: Database, email: str) -> tuple[users.UserInfo, str]:
    user = await users.create_user(db, email=email, password_hash="unused")
    token = tokens.new_token()
    await users.add_token(db, user_id=user.id, name="ci", kind="api",
                          token_hash=tokens.token_hash(token),
                          prefix=tokens.display_prefix(token))
    return user, token


async def test_a_verified_token_is_answered_without_the_database_until_revoked(
        db: Database) -> None:
    user, token = await new_token(db, "ann@example.com")
    auth = Authenticator(db)
    credentials = Credentials(token, "Ann@Example.com ")
    assert auth.verified(credentials) is None  # not verified yet: ask the database
    found = await auth.authenticate(credentials)
    assert found is not None and found[0].id == user.id
    await db.close()  # what a command needs is in memory now
    assert auth.verified(credentials) == found
    assert auth.verified(Credentials(token, "bob@example.com")) is None
    auth.forget(found[1])  # as revoking through this hub does
    assert auth.verified(credentials) is None


async def test_a_token_revoked_elsewhere_stops_working_once_the_cache_expires(
        db: Database) -> None:
    _, token = await new_token(db, "ann@example.com")
    auth = Authenticator(db, ttl=0)
    credentials = Credentials(token)
    assert await auth.authenticate(credentials) is not None
    await users.revoke_token(db, token_hash=tokens.token_hash(token))  # another hub, no forget
    assert auth.verified(credentials) is None
    assert await auth.authenticate(credentials) is None
