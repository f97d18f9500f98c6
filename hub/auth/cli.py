"""``tggrid user create EMAIL [--admin]`` and ``tggrid token create EMAIL``: accounts for
scripts and the first admin. They talk to the database directly (upgrading it if needed)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys

from hub.auth.authenticator import Authenticator
from hub.auth.errors import AuthError, InvalidInput, NoSuchAccount
from hub.auth.setup import build_accounts
from hub.callers import Caller
from hub.config import Settings, add_arguments, load_settings
from hub.db import migrate, users
from hub.db.audit import AuditLog
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
        accounts = build_accounts(settings, db, AuditLog(db, writer), Authenticator(db))
        if action == "user":
            password, generated = _password(args)
            user = await accounts.register(args.email, password, args.full_name, CLI_CALLER,
                                           role=users.ADMIN if args.admin else users.USER)
            print(f"created {'admin' if user.is_admin else 'user'} {user.email} (id {user.id})")
            if generated:
                print(f"password: {password}")
        else:
            row = await users.find_user(db, email=args.email)
            if row is None:
                raise NoSuchAccount(f"no user {args.email}")
            _info, token = await accounts.create_token(users.user_info(row), args.name,
                                                      CLI_CALLER)
            print(token)
        return 0
    except AuthError as error:
        print(f"tggrid: {error.message}", file=sys.stderr)
        return 1
    finally:
        await writer.close()
        await db.close()


def run_user(args: argparse.Namespace) -> int:
    return asyncio.run(_with_accounts(load_settings(vars(args)), "user", args))


def run_token(args: argparse.Namespace) -> int:
    return asyncio.run(_with_accounts(load_settings(vars(args)), "token", args))


def add_subparser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = subparsers.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True)
    create = user.add_parser("create", help="create a user (prints a generated password "
                             "unless --password, TGGRID_USER_PASSWORD or a terminal gives one)")
    create.add_argument("email")
    create.add_argument("--admin", action="store_true", help="with the admin role")
    create.add_argument("--password", help="the password (visible in ps; prefer the env var)")
    create.add_argument("--full-name", default="", help="display name")
    add_arguments(create)
    create.set_defaults(func=run_user)
    token = subparsers.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True)
    token_create = token.add_parser("create", help="create an API token and print it")
    token_create.add_argument("email")
    token_create.add_argument("--name", default="cli", help="a name to recognise it by")
    add_arguments(token_create)
    token_create.set_defaults(func=run_token)
