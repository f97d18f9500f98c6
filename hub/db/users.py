"""Users and their tokens: the data layer under :mod:`hub.auth`.

:class:`UserInfo` is the value the rest of the hub sees (``request[USER]``, a session's
``owner``); ORM rows stay inside this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from hub.db.engine import Database
from hub.db.models import ApiToken, User, utcnow

ADMIN, USER = "admin", "user"


@dataclasses.dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    two_factor_enabled: bool

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "fullName": self.full_name,
                "role": self.role, "isAdmin": self.is_admin, "disabled": not self.is_active,
                "twoFactorEnabled": self.two_factor_enabled}


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    id: int
    user_id: int
    name: str
    kind: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "prefix": self.prefix,
                "createdAt": self.created_at.isoformat(),
                "lastUsedAt": self.last_used_at.isoformat() if self.last_used_at else None,
                "expiresAt": self.expires_at.isoformat() if self.expires_at else None}


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_info(row: User) -> UserInfo:
    return UserInfo(id=row.id, email=row.email, full_name=row.full_name, role=row.role,
                    is_active=row.is_active, two_factor_enabled=row.totp_enabled)


def token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(id=row.id, user_id=row.user_id, name=row.name, kind=row.kind,
                     prefix=row.prefix, created_at=row.created_at,
                     last_used_at=row.last_used_at, expires_at=row.expires_at)


async def create_user(db: Database, *, email: str, password_hash: str, full_name: str = "",
                      role: str = USER) -> UserInfo:
    """Raises :class:`sqlalchemy.exc.IntegrityError` when the email is taken."""
    row = User(email=normalize_email(email), password_hash=password_hash, full_name=full_name,
               role=role, is_active=True, totp_enabled=False)
    async with db.session() as session:
        session.add(row)
    return user_info(row)


async def find_user(db: Database, *, email: str | None = None, user_id: int | None = None
                    ) -> User | None:
    """The full row (with hashes): for sign-in and 2FA code checks only."""
    async with db.session() as session:
        if user_id is not None:
            return await session.get(User, user_id)
        return await session.scalar(select(User).where(User.email == normalize_email(email or "")))


async def update_user(db: Database, user_id: int, **values: Any) -> UserInfo | None:
    row = await db.update(User, user_id, values)
    return None if row is None else user_info(row)


async def list_users(db: Database) -> list[UserInfo]:
    async with db.session() as session:
        return [user_info(row) for row in await session.scalars(select(User).order_by(User.id))]


async def delete_user(db: Database, user_id: int) -> UserInfo | None:
    """Remove the account; its tokens and 2FA codes go with it, its sessions and recordings
    stay (owned by nobody). The deleted user, or None when there was none."""
    async with db.session() as session:
        row = await session.get(User, user_id)
        if row is None:
            return None
        info = user_info(row)
        await session.delete(row)
    return info


async def count_users(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count(User.id))) or 0)


async def add_token(db: Database, *, user_id: int, name: str, kind: str, token_hash: str,
                    prefix: str, expires_at: dt.datetime | None = None) -> TokenInfo:
    row = ApiToken(user_id=user_id, name=name, kind=kind, token_hash=token_hash, prefix=prefix,
                   created_at=utcnow(), expires_at=expires_at)
    async with db.session() as session:
        session.add(row)
    return token_info(row)


async def user_for_token(db: Database, token_hash: str, *, mark_used: bool = True
                         ) -> tuple[UserInfo, TokenInfo] | None:
    """The active user behind a live (unrevoked, unexpired) token; marks it used unless this
    is only a question about the token (how old the sign-in is)."""
    now = utcnow()
    async with db.session() as session:
        found = (await session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )).first()
        if found is None:
            return None
        token, user = found
        if not user.is_active or (token.expires_at is not None and token.expires_at <= now):
            return None
        if mark_used:
            token.last_used_at = now
        return user_info(user), token_info(token)


async def list_tokens(db: Database, user_id: int, kind: str = "api") -> list[TokenInfo]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.kind == kind,
                                   ApiToken.revoked_at.is_(None)).order_by(ApiToken.id))
        return [token_info(row) for row in rows]


async def revoke_token(db: Database, *, token_id: int | None = None,
                       token_hash: str | None = None, user_id: int | None = None
                       ) -> str | None:
    """Revoke one token (by id, optionally only the user's own, or by hash); its hash or None."""
    statement = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        statement = statement.where(ApiToken.id == token_id)
    if token_hash is not None:
        statement = statement.where(ApiToken.token_hash == token_hash)
    if user_id is not None:
        statement = statement.where(ApiToken.user_id == user_id)
    async with db.session() as session:
        row = await session.scalar(statement)
        if row is None:
            return None
        row.revoked_at = utcnow()
        return row.token_hash


async def revoke_user_tokens(db: Database, user_id: int, kind: str) -> None:
    async with db.session() as session:
        await session.execute(
            update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.kind == kind,
                                   ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
