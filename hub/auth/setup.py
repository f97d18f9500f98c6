"""Wire authentication into the hub: refuse unsafe exposure, add the middleware and services."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.auth import bootstrap
from hub.auth.accounts import Accounts
from hub.auth.authenticator import Authenticator
from hub.auth.client import parse_networks
from hub.auth.middleware import authenticate
from hub.auth.secret_box import SecretBox, load_key
from hub.auth.tickets import Tickets
from hub.config import ConfigError, Settings
from hub.db import users
from hub.db.audit import AuditLog
from hub.db.engine import Database
from hub.keys import ACCOUNTS, AUDIT, AUTH, DATABASE, PUBLIC_PATHS, SETTINGS

log = logging.getLogger(__name__)
PUBLIC = ["/api/health", "/api/auth/login", "/api/auth/register"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Auth off on a reachable address hands every browser to anyone: refuse unless told."""
    if settings.auth == "off" and not is_loopback(settings.host) and not settings.insecure_no_auth:
        raise ConfigError(
            f"refusing to listen on {settings.host!r} with auth off: anyone who can reach "
            "the port could drive browsers and read every session. Turn auth on "
            "(--auth on, then create a user with `tggrid user create EMAIL --admin`), listen on "
            "127.0.0.1, or pass --insecure-no-auth if a firewall or proxy guards the port."
        )


def build_accounts(settings: Settings, db: Database, audit: AuditLog,
                   authenticator: Authenticator) -> Accounts:
    """Accounts with the secrets derived from the hub's key (2FA secrets, sign-in tickets)."""
    key = load_key(settings.secret_key, settings.data_path)
    return Accounts(db, audit, authenticator, SecretBox(key), Tickets(key))


async def _auth_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[AUTH] = Authenticator(app[DATABASE], parse_networks(settings.trusted_proxies))
    app[ACCOUNTS] = build_accounts(settings, app[DATABASE], app[AUDIT], app[AUTH])
    admin_password = bootstrap.take_password()  # out of the environment either way
    if settings.admin_email:
        await bootstrap.ensure_admin(app[ACCOUNTS], settings.admin_email, admin_password)
    if settings.auth == "on" and not await users.count_users(app[DATABASE]):
        log.warning("auth.no_users: nobody can sign in yet; create an admin with "
                    "`tggrid user create EMAIL --admin`")
    yield


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    check_exposure(settings)
    try:
        parse_networks(settings.trusted_proxies)
    except ValueError as error:
        raise ConfigError(f"setting 'trusted_proxies': {error}") from None
    app[PUBLIC_PATHS] = list(PUBLIC)
    app.middlewares.append(authenticate)
    app.cleanup_ctx.append(_auth_ctx)
