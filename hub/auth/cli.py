"""``tggrid user create|list|disable|enable|delete|set-role`` and ``tggrid token
create|list|revoke``: accounts for scripts and the first admin, managed from the shell. They
talk to the database directly (upgrading it if needed); each change is audited."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from collections.abc import Awaitable, Callable

from hub.auth import admin
from hub.auth.authenticator import Authenticator
from hub.auth.errors import AuthError, InvalidInput, NoSuchAccount
from hub.auth.setup import build_accounts
from hub.callers import Caller
from hub.config import Settings, load_settings
from hub.db import migrate, users
from hub.db.audit import AuditLog
from hub.db.cli import add_store_arguments, store_flags
from hub.db.engine import Database, database_url
from hub.db.writer import BackgroundWriter

CLI_CALLER = Caller(ip="cli", user_agent="tggrid cli")


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password and whether it was generated (and so must be shown)."""
    given = args.password or os.environ.get("TGGRID_USER_PASSWORD")
    if given:
        return given, False
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise InvalidInput("the passwords differ", code="password_mismatch")
        return first, False
    return secrets.token_urlsafe(15), True


async def _with_accounts(settings: Settings, action: str, args: argparse.Namespace) -> int:
    db = Database(database_url(settings))
    writer = BackgroundWriter(db)
    try:
        await migrate.upgrade(db)
        writer.start()
        audit = AuditLog(db, writer)
        accounts = build_accounts(settings, db, audit, Authenticator(db))
        if action == "user":
            password, generated = _password(args)
            user = await accounts.register(args.email, password, args.full_name, CLI_CALLER,
                                           role=users.ADMIN if args.admin else users.USER)
            print(f"created {'admin' if user.is_admin else 'user'} {user.email} (id {user.id})")
            if generated:
                print(f"password: {password}")
        elif action == "token":
            row = await users.find_user(db, email=args.email)
            if row is None:
                raise NoSuchAccount(f"no user {args.email}")
            _info, token = await accounts.create_token(users.user_info(row), args.name,
                                                      CLI_CALLER)
            print(token)
        else:
            await ADMIN_COMMANDS[action](db, audit, args)
        return 0
    except AuthError as error:
        print(f"tggrid: {error.message}", file=sys.stderr)
        return 1
    finally:
        await writer.close()
        await db.close()


async def _user_list(db: Database, _audit: AuditLog, _args: argparse.Namespace) -> None:
    for user in await users.list_users(db):
        state = "disabled" if not user.is_active else "active"
        print(f"{user.id:5} {user.email:40} {user.role:6} {state}")


async def _user_state(db: Database, audit: AuditLog, args: argparse.Namespace) -> None:
    if args.user_command == "set-role":
        user = await admin.change(db, audit, args.email, role=args.role)
        print(f"{user.email} is now {user.role}")
        return
    active = args.user_command == "enable"
    user = await admin.change(db, audit, args.email, is_active=active)
    print(f"{user.email} {'enabled' if active else 'disabled'}"
          + ("" if active else " (a running hub stops accepting its tokens within 30 s)"))


async def _user_delete(db: Database, audit: AuditLog, args: argparse.Namespace) -> None:
    user = await admin.remove(db, audit, args.email)
    print(f"deleted {user.email} (id {user.id}) and its tokens")


async def _token_list(db: Database, _audit: AuditLog, args: argparse.Namespace) -> None:
    for owner, token in await admin.token_rows(db, args.email):
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
        print(f"{token.id:5} {owner:40} {token.name:20} {token.prefix}...  last used {used}")


async def _token_revoke(db: Database, audit: AuditLog, args: argparse.Namespace) -> None:
    await admin.revoke(db, audit, args.token_id)
    print(f"revoked token {args.token_id}")


ADMIN_COMMANDS: dict[str, Callable[[Database, AuditLog, argparse.Namespace],
                                   Awaitable[None]]] = {
    "user-list": _user_list, "user-state": _user_state, "user-delete": _user_delete,
    "token-list": _token_list, "token-revoke": _token_revoke,
}


def _runner(action: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_with_accounts(load_settings(store_flags(args)), action, args))
    return run


def add_subparser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = subparsers.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True)
    create = user.add_parser("create", help="create a user (prints a generated password "
                             "unless --password, TGGRID_USER_PASSWORD or a terminal gives one)")
    create.add_argument("email")
    create.add_argument("--admin", action="store_true", help="with the admin role")
    create.add_argument("--password", help="the password (visible in ps; prefer the env var)")
    create.add_argument("--full-name", default="", help="display name")
    create.set_defaults(func=_runner("user"))
    listing = user.add_parser("list", help="list users: id, e-mail, role, state")
    listing.set_defaults(func=_runner("user-list"))
    for name, text in (("disable", "disable an account (its tokens stop working)"),
                       ("enable", "enable a disabled account"),
                       ("delete", "delete an account and its tokens")):
        command = user.add_parser(name, help=text)
        command.add_argument("email")
        command.set_defaults(func=_runner("user-delete" if name == "delete" else "user-state"))
    role = user.add_parser("set-role", help="make a user an admin or a plain user")
    role.add_argument("email")
    role.add_argument("role", choices=(users.ADMIN, users.USER))
    role.set_defaults(func=_runner("user-state"))
    token = subparsers.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True)
    token_create = token.add_parser("create", help="create an API token and print it")
    token_create.add_argument("email")
    token_create.add_argument("--name", default="cli", help="a name to recognise it by")
    token_create.set_defaults(func=_runner("token"))
    token_list = token.add_parser("list", help="list live API tokens (never their secret)")
    token_list.add_argument("email", nargs="?", help="only this user's")
    token_list.set_defaults(func=_runner("token-list"))
    token_revoke = token.add_parser("revoke", help="revoke an API token by its id")
    token_revoke.add_argument("token_id", type=int)
    token_revoke.set_defaults(func=_runner("token-revoke"))
    for parser in (create, listing, role, token_create, token_list, token_revoke,
                   *(user.choices[name] for name in ("disable", "enable", "delete"))):
        add_store_arguments(parser)
