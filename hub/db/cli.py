"""``tggrid db upgrade|downgrade|current``: migrations by hand (the hub upgrades on start)."""

from __future__ import annotations

import argparse
import asyncio

from hub.config import load_settings
from hub.db import migrate
from hub.db.engine import Database, database_url


def store_flags(args: argparse.Namespace) -> dict[str, object]:
    return {name: getattr(args, name) for name in STORE_FLAGS if hasattr(args, name)}


STORE_FLAGS = ("config", "data_dir", "database_url")


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Only what finds the database; every other setting comes from TGGRID_* or --config."""
    parser.add_argument("--config", help="TOML file with the hub's settings")
    parser.add_argument("--data-dir", dest="data_dir", help="the hub's data directory "
                        "[env TGGRID_DATA_DIR]")
    parser.add_argument("--database-url", dest="database_url", help="the hub's database "
                        "[env TGGRID_DATABASE_URL]")


async def _migrate(args: argparse.Namespace) -> int:
    settings = load_settings(store_flags(args))
    db = Database(database_url(settings))
    try:
        if args.db_command == "upgrade":
            await migrate.upgrade(db, args.revision)
        elif args.db_command == "downgrade":
            await migrate.downgrade(db, args.revision)
        print(f"database at revision {await migrate.current_revision(db) or 'base (empty)'}"
              f" (head is {migrate.head_revision()})")
    finally:
        await db.close()
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(args))


def add_subparser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = subparsers.add_parser("db", help="database schema migrations")
    commands = db.add_subparsers(dest="db_command", required=True)
    for name, default, text in (
        ("upgrade", "head", "upgrade the schema (default: to the newest revision)"),
        ("downgrade", "-1", "downgrade the schema (default: one step)"),
        ("current", None, "print the schema revision"),
    ):
        command = commands.add_parser(name, help=text)
        if default is not None:
            command.add_argument("revision", nargs="?", default=default)
        else:
            command.set_defaults(revision=None)
        add_store_arguments(command)
        command.set_defaults(func=run)
