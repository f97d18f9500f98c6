"""``tggrid user`` and ``tggrid token``: accounts and tokens managed from the shell, each
change in the audit log; sub-command help lists only its own flags; a closed pipe is quiet."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main

PASSWORD = "A-long-enough-pass-123"


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code = main([*args, "--data-dir", str(data)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def audit(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "tggrid.db") as db:
        return list(db.execute("SELECT action, resource_id FROM audit_log ORDER BY id"))


def test_users_and_tokens_from_the_shell(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    for email in ("a@example.org", "b@example.org"):
        assert run(capsys, tmp_path, "user", "create", email, "--password", PASSWORD)[0] == 0
    assert run(capsys, tmp_path, "token", "create", "a@example.org", "--name", "ci")[0] == 0
    code, out = run(capsys, tmp_path, "token", "list", "a@example.org")
    assert code == 0 and " ci " in out and "tgg_" in out
    assert run(capsys, tmp_path, "token", "revoke", "1") == (0, "revoked token 1\n")
    assert "ci" not in run(capsys, tmp_path, "token", "list")[1]
    assert run(capsys, tmp_path, "token", "revoke", "1") == (1, "tggrid: no live token 1\n")
    assert run(capsys, tmp_path, "user", "disable", "a@example.org")[0] == 0
    assert run(capsys, tmp_path, "user", "set-role", "b@example.org", "admin")[0] == 0
    out = run(capsys, tmp_path, "user", "list")[1].splitlines()
    assert out[0].split()[1:] == ["a@example.org", "user", "disabled"]
    assert out[1].split()[1:] == ["b@example.org", "admin", "active"]
    assert run(capsys, tmp_path, "user", "enable", "a@example.org")[0] == 0
    assert run(capsys, tmp_path, "user", "delete", "a@example.org")[0] == 0
    assert "a@example.org" not in run(capsys, tmp_path, "user", "list")[1]
    assert run(capsys, tmp_path, "user", "delete", "a@example.org") == (
        1, "tggrid: no user a@example.org\n")
    actions = [action for action, _ in audit(tmp_path)]
    assert actions[-5:] == ["auth.token.revoke", "user.update", "user.update", "user.update",
                            "user.delete"]


def test_sub_command_help_lists_its_own_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["user", "create", "--help"])
    text = capsys.readouterr().out
    assert "--admin" in text and "--database-url" in text
    assert "--max-sessions" not in text and "--port" not in text


def test_a_closed_pipe_ends_quietly() -> None:
    """``tggrid config | head -0``: the reader is gone before anything is written; no
    BrokenPipeError traceback, from the command or from the interpreter at exit."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "hub", "config"], stdout=write,
                              stderr=subprocess.PIPE, timeout=60, check=False)
    finally:
        os.close(write)
    assert done.stderr.decode() == ""
    assert done.returncode == 141
