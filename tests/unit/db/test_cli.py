"""``tggrid db upgrade|downgrade|current`` on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main


def test_upgrade_downgrade_current(database_url: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--database-url", database_url, "--data-dir", str(tmp_path)]
    assert main(["db", "current", *flags]) == 0
    assert "base (empty)" in capsys.readouterr().out
    assert main(["db", "upgrade", *flags]) == 0
    assert "at revision 0003 (head is 0003)" in capsys.readouterr().out
    assert main(["db", "downgrade", *flags]) == 0
    assert "at revision 0002" in capsys.readouterr().out
    assert main(["db", "upgrade", "head", *flags]) == 0
    assert "at revision 0003" in capsys.readouterr().out
