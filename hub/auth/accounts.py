"""Sign-up, sign-in with optional 2FA, tokens: the rules, with every act audited.

Route handlers in :mod:`hub.api` parse and render; this module decides. Failures raise
:class:`~hub.auth.errors.AuthError` values; the API and the dashboard decide how to show them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.auth import passwords, tokens, totp
from hub.auth.authenticator import Authenticator
from hub.auth.errors import (
    AccountConflict,
    InvalidInput,
    NoSuchAccount,
    NotAllowed,
    NotAuthenticated,
    TooManyAttempts,
    TwoFactorRequired,
)
from hub.auth.secret_box import SecretBox
from hub.auth.throttle import Throttle
from hub.auth.tickets import BadTicket, Ticket, Tickets
from hub.callers import Caller
from hub.db import two_factor, users
from hub.db.audit import AuditLog
from hub.db.engine import Database
from hub.db.models import User, utcnow
from hub.db.users import TokenInfo, UserInfo

LOGIN_TOKEN_LIFETIME = dt.timedelta(hours=24)


class Accounts:
    def __init__(self, db: Database, audit: AuditLog, authenticator: Authenticator,
                 box: SecretBox, tickets: Tickets, throttle: Throttle | None = None) -> None:
        self.db = db
        self.audit = audit
        self.authenticator = authenticator
        self.box = box
        self.tickets = tickets
        self.throttle = throttle or Throttle(db)

    def _audit(self, action: str, caller: Caller, user: UserInfo | User | None = None,
               **fields: Any) -> None:
        self.audit.record(action, user_id=user.id if user else None,
                          user_email=user.email if user else None, ip_address=caller.ip,
                          user_agent=caller.user_agent, **fields)

    # -- accounts --------------------------------------------------------------------------

    async def register(self, email: str, password: str, full_name: str, caller: Caller,
                       *, role: str = users.USER, audit: bool = True) -> UserInfo:
        email = users.normalize_email(email)
        if "@" not in email or len(email) > 320 or email.startswith("@"):
            raise InvalidInput("email must be an email address", code="invalid_email")
        weakness = passwords.check_strength(password)
        if weakness:
            raise InvalidInput(weakness, code="weak_password")
        try:
            user = await users.create_user(
                self.db, email=email, password_hash=await passwords.hash_password(password),
                full_name=full_name.strip()[:200], role=role)
        except IntegrityError:
            raise AccountConflict(f"an account for {email} exists", code="email_taken") from None
        if audit:
            self._audit("auth.register", caller, user, resource_type="user",
                        resource_id=str(user.id))
        return user

    async def login(self, email: str, password: str, code: str | None, caller: Caller,
                    *, next_url: str = "", browser: str = "") -> tuple[str, UserInfo, dt.datetime]:
        """A sign-in token for the dashboard and scripts, its user and when it expires.

        Without the code an account with 2FA raises :class:`TwoFactorRequired`, whose ticket
        (naming ``next_url``, for the ``browser`` with that CSRF cookie) lets
        :meth:`login_with_ticket` finish on this hub or another.
        """
        row = await self._check_password(email, password, caller)
        if row.totp_enabled:
            if not code:
                raise TwoFactorRequired(self.tickets.issue(
                    row.id, row.email, row.password_hash, next_url, browser))
            await self._second_factor(row, code, caller)
        return await self._signed_in(row, caller)

    async def _check_password(self, email: str, password: str, caller: Caller) -> User:
        """The first factor, throttled: the account's row when the password is right."""
        account = users.normalize_email(email)
        row = await users.find_user(self.db, email=account)
        await self._check_throttle(account, row, caller)
        valid = await passwords.verify_password(row.password_hash if row else None, password)
        if row is None or not valid:
            await self._failure(account, row, "bad_password", caller)
            raise NotAuthenticated("wrong email or password", code="invalid_credentials")
        self._check_active(row, caller)
        return row

    async def login_with_ticket(self, ticket: Ticket, code: str, caller: Caller, *,
                                browser: str) -> tuple[str, UserInfo, dt.datetime]:
        """The second step on any hub: the ticket stands for the password checked before."""
        if not self.tickets.same_browser(ticket, browser):
            raise BadTicket("this sign-in form is not valid; sign in again")
        row = await users.find_user(self.db, user_id=ticket.user_id)
        await self._check_throttle(ticket.email, row, caller)
        if (row is None or row.email != ticket.email or not row.totp_enabled
                or not self.tickets.same_password(ticket, row.password_hash)):
            self._audit("auth.login.failed", caller, row, resource_type="user",
                        resource_id=str(ticket.user_id),
                        details={"email": ticket.email, "reason": "stale_ticket"})
            raise BadTicket("the account changed since the password was checked; "
                            "sign in again", code="stale_sign_in_ticket")
        self._check_active(row, caller)
        await self._second_factor(row, code, caller)
        return await self._signed_in(row, caller)

    def _check_active(self, row: User, caller: Caller) -> None:
        if not row.is_active:
            self._audit("auth.login.failed", caller, row, resource_type="user",
                        resource_id=str(row.id), details={"email": row.email,
                                                          "reason": "disabled"})
            raise NotAllowed("this account is disabled; ask an admin", code="account_disabled")

    async def _second_factor(self, row: User, code: str, caller: Caller) -> None:
        if not await self._code_ok(row, code, backup=True):
            await self._failure(row.email, row, "bad_two_factor_code", caller)
            raise NotAuthenticated("wrong or already used two-factor code",
                                  code="invalid_two_factor_code")

    async def _signed_in(self, row: User, caller: Caller) -> tuple[str, UserInfo, dt.datetime]:
        await self.throttle.success(row.email)
        token = tokens.new_token()
        expires = utcnow() + LOGIN_TOKEN_LIFETIME
        await users.add_token(self.db, user_id=row.id, name="login", kind="login",
                              token_hash=tokens.token_hash(token),
                              prefix=tokens.display_prefix(token), expires_at=expires)
        user = await users.update_user(self.db, row.id, last_login_at=utcnow())
        assert user is not None
        self._audit("auth.login", caller, user, resource_type="user", resource_id=str(user.id))
        return token, user, expires

    async def _check_throttle(self, account: str, row: User | UserInfo | None,
                              caller: Caller, *, signing_in: bool = True) -> None:
        """Refuse any step that checks a secret while the account or the address is locked."""
        wait = await self.throttle.locked_for(account, caller.ip)
        if wait:
            if signing_in:
                self._audit("auth.login.failed", caller, row, resource_type="user",
                            resource_id=str(row.id) if row else None,
                            details={"email": account, "reason": "locked"})
            raise TooManyAttempts(
                f"too many failed attempts; try again in {math.ceil(wait / 60)} minutes")

    async def _failure(self, account: str, row: User | None, reason: str,
                       caller: Caller, action: str = "auth.login.failed") -> None:
        self._audit(action, caller, row, resource_type="user",
                    resource_id=str(row.id) if row else None,
                    details={"email": account, "reason": reason})
        if await self.throttle.failure(account, caller.ip):
            self._audit("auth.lockout", caller, row, resource_type="user",
                        resource_id=str(row.id) if row else None,
                        details={"email": account, "address": caller.ip})

    async def logout(self, user: UserInfo, digest: str, caller: Caller) -> None:
        await users.revoke_token(self.db, token_hash=digest, user_id=user.id)
        self.authenticator.forget(digest)
        self._audit("auth.logout", caller, user, resource_type="user", resource_id=str(user.id))

    async def update_user(self, actor: UserInfo, user_id: int, changes: dict[str, Any],
                          caller: Caller) -> UserInfo:
        """Admins change anyone's name, role and disabled flag; a user only their own name.

        A role or disabled change drops the user's cached tokens, so it bites at once here.
        """
        if not actor.is_admin and user_id != actor.id:
            raise NoSuchAccount("no such user")  # as if other accounts did not exist
        if not actor.is_admin and set(changes) - {"full_name"}:
            raise NotAllowed("only an admin may change roles or disable accounts",
                            code="admin_required")
        if user_id == actor.id and (changes.get("is_active") is False
                                    or changes.get("role") == users.USER):
            raise AccountConflict("you cannot disable yourself or drop your own admin role; "
                           "ask another admin", code="self_lockout")
        before = await users.find_user(self.db, user_id=user_id)
        if before is None:
            raise NoSuchAccount("no such user")
        old = users.user_info(before)
        user = await users.update_user(self.db, user_id, **changes)
        if user is None:
            raise NoSuchAccount("no such user")
        if user.role != old.role or user.is_active != old.is_active:
            self.authenticator.forget_user(user_id)
        was, now = old.to_json(), user.to_json()
        diff = {key: {"from": was[key], "to": now[key]}
                for key in ("fullName", "isAdmin", "disabled") if was[key] != now[key]}
        self._audit("user.update", caller, actor, resource_type="user",
                    resource_id=str(user_id), details={"email": user.email, "changes": diff})
        return user

    # -- people: what an admin does to accounts, and a user to their own password ---------

    def _require_admin(self, actor: UserInfo) -> None:
        if not actor.is_admin:
            raise NotAllowed("only an admin may manage accounts", code="admin_required")

    async def create_user(self, actor: UserInfo, email: str, password: str, full_name: str,
                          role: str, caller: Caller) -> UserInfo:
        """An account made by an admin (registration may be off)."""
        self._require_admin(actor)
        if role not in (users.USER, users.ADMIN):
            raise InvalidInput("role must be user or admin", code="invalid_role")
        user = await self.register(email, password, full_name, caller, role=role,
                                   audit=False)
        self._audit("user.create", caller, actor, resource_type="user",
                    resource_id=str(user.id), details={"email": user.email, "role": role})
        return user

    async def delete_user(self, actor: UserInfo, user_id: int, caller: Caller) -> UserInfo:
        self._require_admin(actor)
        if user_id == actor.id:
            raise AccountConflict("you cannot delete yourself; ask another admin",
                                  code="self_lockout")
        gone = await users.delete_user(self.db, user_id)
        if gone is None:
            raise NoSuchAccount("no such user")
        self.authenticator.forget_user(user_id)
        self._audit("user.delete", caller, actor, resource_type="user",
                    resource_id=str(user_id), details={"email": gone.email})
        return gone

    async def _set_password(self, user_id: int, password: str) -> None:
        """A new password ends every sign-in (tokens for scripts stay)."""
        weakness = passwords.check_strength(password)
        if weakness:
            raise InvalidInput(weakness, code="weak_password")
        await users.update_user(self.db, user_id,
                                password_hash=await passwords.hash_password(password))
        await users.revoke_user_tokens(self.db, user_id, "login")
        self.authenticator.forget_user(user_id)

    async def reset_password(self, actor: UserInfo, user_id: int, password: str,
                             caller: Caller) -> UserInfo:
        self._require_admin(actor)
        row = await users.find_user(self.db, user_id=user_id)
        if row is None:
            raise NoSuchAccount("no such user")
        await self._set_password(user_id, password)
        self._audit("user.password.reset", caller, actor, resource_type="user",
                    resource_id=str(user_id), details={"email": row.email})
        return users.user_info(row)

    async def change_password(self, user: UserInfo, current: str, new: str,
                              caller: Caller) -> None:
        """A user's own change: the current password first (throttled like a sign-in)."""
        await self._check_throttle(user.email, user, caller, signing_in=False)
        row = await self._row(user)
        if not await passwords.verify_password(row.password_hash, current):
            await self._failure(user.email, row, "bad_password", caller,
                                action="user.password.change")
            raise NotAuthenticated("the current password is wrong", code="invalid_credentials")
        await self._set_password(user.id, new)
        self._audit("user.password.change", caller, user, resource_type="user",
                    resource_id=str(user.id), details={"result": "changed"})

    async def reset_2fa(self, actor: UserInfo, user_id: int, caller: Caller) -> UserInfo:
        """For someone who lost their phone and codes: 2FA off, they set it up again."""
        self._require_admin(actor)
        row = await users.find_user(self.db, user_id=user_id)
        if row is None:
            raise NoSuchAccount("no such user")
        await two_factor.clear(self.db, user_id)
        self.authenticator.forget_user(user_id)
        self._audit("user.2fa.reset", caller, actor, resource_type="user",
                    resource_id=str(user_id),
                    details={"email": row.email, "changes": {
                        "twoFactorEnabled": {"from": row.totp_enabled, "to": False}}})
        return dataclasses.replace(users.user_info(row), two_factor_enabled=False)

    # -- proving it is still you ----------------------------------------------------------

    async def confirm_recent(self, user: UserInfo, token_hash: str | None, password: str,
                             code: str, caller: Caller, *, window: float) -> None:
        """Before 2FA changes and new tokens: the password (and the second factor) now, or a
        sign-in with them within ``window`` seconds. A stolen API token alone is not enough.
        """
        if password:
            await self._check_throttle(user.email, user, caller, signing_in=False)
            row = await self._row(user)
            if not await passwords.verify_password(row.password_hash, password):
                await self._failure(user.email, row, "bad_password", caller)
                raise NotAuthenticated("wrong password", code="invalid_credentials")
            if row.totp_enabled:
                if not code:
                    raise NotAllowed("send the two-factor code ('code') with the password",
                                     code="two_factor_required")
                await self._second_factor(row, code, caller)
            return
        if await self.signed_in_recently(user, token_hash, window=window):
            return
        raise NotAllowed("confirm with your password ('password', and 'code' when two-factor "
                         "sign-in is on): an API token alone cannot do this, and the sign-in "
                         f"is older than {window:g} s", code="reauthentication_required")

    # -- API tokens ------------------------------------------------------------------------

    async def create_token(self, user: UserInfo, name: str, caller: Caller
                           ) -> tuple[TokenInfo, str]:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("a token needs a name of 1-100 characters", code="invalid_name")
        token = tokens.new_token()
        info = await users.add_token(self.db, user_id=user.id, name=name, kind="api",
                                     token_hash=tokens.token_hash(token),
                                     prefix=tokens.display_prefix(token))
        self._audit("auth.token.create", caller, user, resource_type="token",
                    resource_id=str(info.id), details={"name": name})
        return info, token

    async def revoke_token(self, user: UserInfo, token_id: int, caller: Caller) -> bool:
        owner = None if user.is_admin else user.id
        digest = await users.revoke_token(self.db, token_id=token_id, user_id=owner)
        if digest is None:
            return False
        self.authenticator.forget(digest)
        self._audit("auth.token.revoke", caller, user, resource_type="token",
                    resource_id=str(token_id))
        return True

    # -- two-factor ------------------------------------------------------------------------

    async def _row(self, user: UserInfo) -> User:
        row = await users.find_user(self.db, user_id=user.id)
        if row is None:
            raise NotAuthenticated("the account no longer exists")
        return row

    async def _code_ok(self, row: User, code: str, *, backup: bool) -> bool:
        if row.totp_secret is None:
            return False
        secret = self.box.decrypt(row.totp_secret)
        step = totp.matching_step(secret, code, row.totp_last_step)
        if step is not None:
            return await two_factor.claim_totp_step(self.db, row.id, step)
        if not backup:
            return False
        digest = self.box.mac(totp.normalize_backup_code(code))
        return await two_factor.claim_backup_code(self.db, row.id, digest)

    async def enable_2fa(self, user: UserInfo, caller: Caller) -> dict[str, Any]:
        row = await self._row(user)
        if row.totp_enabled:
            raise AccountConflict("two-factor authentication is on already; disable it first",
                           code="two_factor_enabled")
        secret = totp.new_secret()
        codes = totp.new_backup_codes()
        await two_factor.start_enrollment(self.db, user.id, self.box.encrypt(secret),
                                          [self.box.mac(code) for code in codes])
        uri = totp.provisioning_uri(secret, user.email)
        self._audit("auth.2fa.enable", caller, user, resource_type="user",
                    resource_id=str(user.id))
        return {"secret": secret, "otpauthUrl": uri, "qrCode": totp.qr_data_uri(uri),
                "backupCodes": codes}

    async def verify_2fa(self, user: UserInfo, code: str, caller: Caller) -> UserInfo:
        await self._check_throttle(user.email, user, caller, signing_in=False)
        row = await self._row(user)
        if row.totp_secret is None or row.totp_enabled:
            raise AccountConflict("no two-factor enrollment is waiting; call enable first",
                           code="no_pending_two_factor")
        if not await self._code_ok(row, code, backup=False):
            await self._failure(user.email, row, "bad_two_factor_code", caller,
                                action="auth.2fa.verify.failed")  # a set-up, not a sign-in
            raise InvalidInput("wrong two-factor code", code="invalid_two_factor_code")
        await two_factor.activate(self.db, user.id)
        self.authenticator.forget_user(user.id)
        self._audit("auth.2fa.verify", caller, user, resource_type="user",
                    resource_id=str(user.id))
        self._audit("user.update", caller, user, resource_type="user", resource_id=str(user.id),
                    details={"twoFactorEnabled": True})
        return dataclasses.replace(user, two_factor_enabled=True)

    async def pending_2fa_secret(self, user: UserInfo) -> str | None:
        """The secret of a set-up begun and not yet confirmed (to show its QR code again)."""
        row = await self._row(user)
        if row.totp_enabled or row.totp_secret is None:
            return None
        return self.box.decrypt(row.totp_secret)

    async def cancel_2fa(self, user: UserInfo, caller: Caller) -> bool:
        """Drop a set-up that was never confirmed; False when none was waiting."""
        if await self.pending_2fa_secret(user) is None:
            return False
        await two_factor.clear(self.db, user.id)
        self._audit("auth.2fa.cancel", caller, user, resource_type="user",
                    resource_id=str(user.id))
        return True

    async def signed_in_recently(self, user: UserInfo, token_hash: str | None, *,
                                 window: float) -> bool:
        """Whether the request rides on this user's own sign-in (password, and the second
        factor when 2FA is on) of at most ``window`` seconds ago; an API token never is."""
        found = (await users.user_for_token(self.db, token_hash, mark_used=False)
                 if token_hash else None)
        if found is None:
            return False
        _, token = found
        age = (utcnow() - token.created_at).total_seconds()
        return token.kind == "login" and token.user_id == user.id and 0 <= age <= window

    async def disable_2fa(self, user: UserInfo, password: str, code: str | None,
                          caller: Caller, *, recent_sign_in: bool = False) -> UserInfo:
        """The password always, and the second factor: a code, or a sign-in with it of a few
        minutes ago (the promised call sends only the password, right after signing in)."""
        await self._check_throttle(user.email, user, caller, signing_in=False)
        row = await self._row(user)
        if not row.totp_enabled:
            raise AccountConflict("two-factor authentication is off", code="two_factor_disabled")
        if not await passwords.verify_password(row.password_hash, password):
            await self._failure(user.email, row, "bad_password", caller)
            raise NotAuthenticated("wrong password", code="invalid_credentials")
        if code is not None:
            await self._second_factor(row, code, caller)
        elif not recent_sign_in:
            raise NotAllowed("send the two-factor code ('code') with the password: the sign-in "
                             "is not recent, or the caller holds only an API token",
                             code="two_factor_required")
        await two_factor.clear(self.db, user.id)
        self.authenticator.forget_user(user.id)
        self._audit("auth.2fa.disable", caller, user, resource_type="user",
                    resource_id=str(user.id))
        self._audit("user.update", caller, user, resource_type="user", resource_id=str(user.id),
                    details={"twoFactorEnabled": False})
        return dataclasses.replace(user, two_factor_enabled=False)
