"""Helpers for tests that sign in to a real hub: accounts, tokens and the admin CLI."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from typing import Any

import pyotp

from tests.support.hubs import RunningHub

PASSWORD = "correct horse battery"


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(email: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()}


def register(hub: RunningHub, email: str, password: str = PASSWORD) -> dict[str, Any]:
    status, body = hub.request("POST", "/api/auth/register",
                               {"email": email, "password": password, "fullName": "Test"})
    assert status == 201, body
    return body["user"]


def login(hub: RunningHub, email: str, password: str = PASSWORD, **extra: Any) -> str:
    status, body = hub.request("POST", "/api/auth/login",
                               {"email": email, "password": password, **extra})
    assert status == 200, body
    return body["token"]


def signed_up(hub: RunningHub, tag: str = "user") -> tuple[str, str]:
    """A new account and a sign-in token for it."""
    email = new_email(tag)
    register(hub, email)
    return email, login(hub, email)


def cli(hub: RunningHub, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``tggrid ARGS`` against the hub's database (SQLite in its data dir by default)."""
    result = subprocess.run(
        [sys.executable, "-m", "hub", *args, "--data-dir", str(hub.data_dir)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result.stdout


def admin_token(hub: RunningHub) -> tuple[str, str]:
    email = new_email("admin")
    cli(hub, "user", "create", email, "--admin", "--password", PASSWORD)
    return email, cli(hub, "token", "create", email, "--name", "tests").strip()


def audit(hub: RunningHub, token: str, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{key}={value}" for key, value in query.items())
    status, body = hub.request("GET", f"/api/audit-logs?limit=500&{params}",
                               headers=bearer(token))
    assert status == 200, body
    return body["items"]


def enable_2fa(hub: RunningHub, token: str) -> tuple[pyotp.TOTP, list[str]]:
    """Turn 2FA on through the API (enable, then verify a code); the authenticator and the
    backup codes."""
    status, enrolment = hub.request("POST", "/api/auth/2fa/enable", headers=bearer(token))
    assert status == 200, enrolment
    otp = pyotp.parse_uri(enrolment["otpauthUrl"])
    status, body = hub.request("POST", "/api/auth/2fa/verify", {"code": otp.now()},
                               headers=bearer(token))
    assert status == 200, body
    return otp, enrolment["backupCodes"]
