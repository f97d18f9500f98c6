"""What ``tggrid user`` and ``tggrid token`` do besides create: list, disable, enable,
delete, change a role, list and revoke tokens. The command line acts as the operator (no
account), and every change is written to the audit log as ``cli``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.auth.errors import NoSuchAccount
from hub.db import users
from hub.db.audit import AuditLog
from hub.db.engine import Database
from hub.db.models import ApiToken, User


def _record(audit: AuditLog, action: str, **fields: Any) -> None:
    """An audit entry made by the operator at the shell (no account)."""
    audit.record(action, ip_address="cli", user_agent="tggrid cli", user_email="cli", **fields)


async def find(db: Database, email: str) -> users.UserInfo:
    row = await users.find_user(db, email=email)
    if row is None:
        raise NoSuchAccount(f"no user {email}")
    return users.user_info(row)


async def change(db: Database, audit: AuditLog, email: str, **values: object) -> users.UserInfo:
    """Disable, enable or change the role of one account, audited as ``user.update``."""
    before = await find(db, email)
    after = await users.update_user(db, before.id, **values)
    if after is None:
        raise NoSuchAccount(f"no user {email}")
    was, now = before.to_json(), after.to_json()
    diff = {key: {"from": was[key], "to": now[key]} for key in ("role", "disabled")
            if was[key] != now[key]}
    _record(audit, "user.update", resource_type="user", resource_id=str(after.id),
            details={"email": after.email, "changes": diff})
    return after


async def remove(db: Database, audit: AuditLog, email: str) -> users.UserInfo:
    """Delete an account; its tokens and backup codes go with it, its sessions keep no owner."""
    user = await find(db, email)
    if await users.delete_user(db, user.id) is None:
        raise NoSuchAccount(f"no user {email}")
    _record(audit, "user.delete", resource_type="user", resource_id=str(user.id),
            details={"email": user.email})
    return user


async def token_rows(db: Database, email: str | None) -> list[tuple[str, users.TokenInfo]]:
    """Live API tokens, of one user or of everyone, with their owner's e-mail."""
    statement = (select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
                 .where(ApiToken.kind == "api", ApiToken.revoked_at.is_(None))
                 .order_by(ApiToken.id))
    if email is not None:
        statement = statement.where(User.email == users.normalize_email(email))
    async with db.session() as session:
        return [(owner, users.token_info(token))
                for token, owner in (await session.execute(statement)).all()]


async def revoke(db: Database, audit: AuditLog, token_id: int) -> None:
    if await users.revoke_token(db, token_id=token_id) is None:
        raise NoSuchAccount(f"no live token {token_id}")
    _record(audit, "auth.token.revoke", resource_type="token", resource_id=str(token_id))
