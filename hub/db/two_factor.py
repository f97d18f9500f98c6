"""2FA state in the database; every "use once" check is one conditional UPDATE, so two
requests (or two hubs) racing with the same code cannot both win."""

from __future__ import annotations

from sqlalchemy import delete, or_, update

from hub.db.engine import Database, rowcount
from hub.db.models import BackupCode, User, utcnow


async def start_enrollment(db: Database, user_id: int, encrypted_secret: str,
                           backup_hashes: list[str]) -> None:
    """A new (not yet active) secret and a fresh set of backup codes."""
    async with db.session() as session:
        await session.execute(update(User).where(User.id == user_id).values(
            totp_secret=encrypted_secret, totp_enabled=False, totp_last_step=None))
        await session.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
        session.add_all(BackupCode(user_id=user_id, code_hash=h) for h in backup_hashes)


async def activate(db: Database, user_id: int) -> None:
    async with db.session() as session:
        await session.execute(update(User).where(User.id == user_id).values(totp_enabled=True))


async def clear(db: Database, user_id: int) -> None:
    async with db.session() as session:
        await session.execute(update(User).where(User.id == user_id).values(
            totp_secret=None, totp_enabled=False, totp_last_step=None))
        await session.execute(delete(BackupCode).where(BackupCode.user_id == user_id))


async def claim_totp_step(db: Database, user_id: int, step: int) -> bool:
    """Record ``step`` as used; False if it (or a later one) already was."""
    async with db.session() as session:
        result = await session.execute(
            update(User).where(User.id == user_id, or_(
                User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step))
    return rowcount(result) == 1


async def claim_backup_code(db: Database, user_id: int, code_hash: str) -> bool:
    async with db.session() as session:
        result = await session.execute(
            update(BackupCode).where(BackupCode.user_id == user_id,
                                     BackupCode.code_hash == code_hash,
                                     BackupCode.used_at.is_(None))
            .values(used_at=utcnow()))
    return rowcount(result) == 1
