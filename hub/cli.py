"""``tggrid``: run the hub, ask a hub for its status, and the admin commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from aiohttp import web

from hub import __version__
from hub.config import ConfigError, Settings, add_arguments, describe_settings, load_settings

Command = Callable[[argparse.Namespace], int]


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(vars(args))


def run_hub(args: argparse.Namespace) -> int:
    from hub.app import create_app

    settings = _settings(args)
    _setup_logging(settings.log_level)
    app = create_app(settings)

    async def ready(_: web.Application) -> None:
        host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
        url = settings.public_url or f"http://{host}:{settings.port}"
        print(f"TGGrid hub ready at {url} (WebDriver: {url}/wd/hub)", flush=True)

    app.on_startup.append(ready)
    web.run_app(app, host=settings.host, port=settings.port, print=None,
                handler_cancellation=True, shutdown_timeout=30, access_log=None,
                loop=_new_loop())
    return 0


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def show_status(args: argparse.Namespace) -> int:
    url = args.url.rstrip("/") + "/status"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            value = json.load(response)["value"]
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        print(f"cannot read {url}: {error}", file=sys.stderr)
        return 2
    print(value["message"])
    for node in value.get("nodes", []):
        busy = sum(1 for slot in node["slots"] if slot["session"])
        offers = sorted({f"{s['stereotype'].get('browserName')} "
                         f"{s['stereotype'].get('browserVersion', '')}".strip()
                         for s in node["slots"]})
        print(f"  {node['id']} {node['availability']} {busy}/{node['maxSessions']} "
              f"sessions: {', '.join(offers)}")
    return 0 if value["ready"] else 1


def show_config(args: argparse.Namespace) -> int:
    for name, flag, env, default, help_text in describe_settings():
        print(f"{name:26} {flag:28} {env:32} {default:12} {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tggrid", description="TGGrid browser grid")
    parser.add_argument("--version", action="version", version=f"tggrid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    hub = sub.add_parser("hub", help="run the hub")
    add_arguments(hub)
    hub.set_defaults(func=run_hub)
    status = sub.add_parser("status", help="print a hub's /status")
    status.add_argument("--url", default="http://127.0.0.1:4444")
    status.set_defaults(func=show_status)
    config = sub.add_parser("config", help="list every setting")
    config.set_defaults(func=show_config)
    for extension in _extensions():
        extension(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Sub-commands contributed by other packages of the hub (images, users, db)."""
    found = []
    for module_name in ("hub.images", "hub.db.cli", "hub.auth.cli"):
        try:
            module = __import__(module_name, fromlist=["add_subparser"])
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        found.append(module.add_subparser)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Command = args.func
    try:
        return command(args)
    except ConfigError as error:
        print(f"tggrid: configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
