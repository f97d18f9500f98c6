"""The first admin from the environment, for hubs started by Compose, systemd or Kubernetes.

With ``admin_email`` set (``TGGRID_ADMIN_EMAIL``) a starting hub makes sure an account with
that e-mail exists, as an admin, its password taken from ``TGGRID_ADMIN_PASSWORD`` or the file
named by ``TGGRID_ADMIN_PASSWORD_FILE`` (a Docker or systemd secret). The password is read once
and removed from the hub's environment, so no driver or browser the hub starts inherits it; it
is never logged. An account that exists already is left as it is (its password, role and 2FA
are its owner's now), so restarting the hub, or several hubs starting on one database at the
same time, changes nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from pathlib import Path

from hub.auth.accounts import Accounts
from hub.auth.errors import AccountConflict, AuthError
from hub.callers import Caller
from hub.config import ConfigError
from hub.db import users

log = logging.getLogger(__name__)

PASSWORD_ENV = "TGGRID_ADMIN_PASSWORD"
PASSWORD_FILE_ENV = "TGGRID_ADMIN_PASSWORD_FILE"
BOOTSTRAP_CALLER = Caller(ip="env", user_agent="tggrid hub start (TGGRID_ADMIN_EMAIL)")


def take_password(env: MutableMapping[str, str] | None = None) -> str:
    """The admin password from the environment (or its file), removed from the environment."""
    env = os.environ if env is None else env
    given = env.pop(PASSWORD_ENV, "")
    path = env.pop(PASSWORD_FILE_ENV, "")
    if given:
        return given
    if not path:
        return ""
    try:
        return Path(path).read_text().rstrip("\r\n")
    except OSError as error:
        raise ConfigError(f"{PASSWORD_FILE_ENV}: cannot read {path}: {error.strerror}") from None


async def ensure_admin(accounts: Accounts, email: str, password: str) -> bool:
    """Create the admin ``email`` unless an account has that e-mail; True when created."""
    if await users.find_user(accounts.db, email=email) is not None:
        log.info("auth.bootstrap_admin.exists email=%s", users.normalize_email(email))
        return False
    if not password:
        raise ConfigError(f"admin_email is set but neither {PASSWORD_ENV} nor "
                          f"{PASSWORD_FILE_ENV} gives the admin's password")
    try:
        user = await accounts.register(email, password, "", BOOTSTRAP_CALLER, role=users.ADMIN)
    except AccountConflict:  # another hub on the same database created it just now
        log.info("auth.bootstrap_admin.exists email=%s", users.normalize_email(email))
        return False
    except AuthError as error:  # a weak password or a malformed address: say which, not what
        raise ConfigError(f"admin_email / {PASSWORD_ENV}: {error.message}") from None
    log.warning("auth.bootstrap_admin.created email=%s id=%s", user.email, user.id)
    return True
