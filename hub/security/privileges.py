"""Least privilege for the local node: browsers never run as root.

A browser runs whatever page a session opens; if the hub runs as root, so would the browser
and its driver. With ``browser_user`` (default ``tggrid-browser``, created by
``scripts/setup.sh``) existing and the hub running as root, the local node starts drivers and
browsers as that user instead: its session directory is handed to it, ``HOME`` points there,
and Chromium keeps its own sandbox (no ``--no-sandbox``) where the kernel lets an
unprivileged user create user namespaces, which :func:`sandbox_works` tries once for real.
Xvfb, x11vnc and ffmpeg stay with the hub: the browser only connects to its display.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class BrowserUser:
    """Who the local node's drivers and browsers run as."""

    name: str
    uid: int
    gid: int

    def own(self, path: Path) -> None:
        """Hand the session's directory (and what the hub put in it) to this user."""
        os.chown(path, self.uid, self.gid)
        for child in path.iterdir():
            os.chown(child, self.uid, self.gid, follow_symlinks=False)

    def env(self, home: Path) -> dict[str, str]:
        return {"HOME": str(home), "USER": self.name, "LOGNAME": self.name,
                "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache")}


def browser_user(name: str) -> BrowserUser | None:
    """The unprivileged user to run browsers as, when the hub runs as root; else None."""
    if os.geteuid() != 0 or not name:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        log.warning("security.browser_user_missing user=%s: browsers run as root; create the "
                    "user with scripts/setup.sh", name)
        return None
    if entry.pw_uid == 0:
        return None
    return BrowserUser(name, entry.pw_uid, entry.pw_gid)


def sandbox_works(user: BrowserUser | None) -> bool:
    """Whether Chromium's namespace sandbox can start for the browsers' user (never root)."""
    if (user is None and os.geteuid() == 0) or shutil.which("unshare") is None:
        return False
    try:
        result = subprocess.run(
            ["unshare", "--user", "--map-root-user", "true"], capture_output=True, timeout=10,
            check=False, user=user.uid if user else None, group=user.gid if user else None,
            extra_groups=[] if user else None)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0
