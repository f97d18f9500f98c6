"""Secrets at rest: a key from settings or a 0600 key file; tampering is detected."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.auth.secret_box import KEY_FILE, SecretBox, load_key


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    key = load_key("", tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key("", tmp_path) == key
    box = SecretBox(key)
    sealed = box.encrypt("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert SecretBox(load_key("", tmp_path)).decrypt(sealed) == "JBSWY3DPEHPK3PXP"


def test_configured_key_wins_and_a_different_key_cannot_decrypt(tmp_path: Path) -> None:
    box = SecretBox(load_key("correct horse", tmp_path))
    assert not (tmp_path / KEY_FILE).exists()
    sealed = box.encrypt("secret")
    assert SecretBox(load_key("correct horse", tmp_path)).decrypt(sealed) == "secret"
    with pytest.raises(ValueError, match="secret key changed"):
        SecretBox(load_key("battery staple", tmp_path)).decrypt(sealed)


def test_mac_is_keyed(tmp_path: Path) -> None:
    one, two = SecretBox(load_key("a", tmp_path)), SecretBox(load_key("b", tmp_path))
    assert one.mac("abcde-fghij") == one.mac("abcde-fghij") != two.mac("abcde-fghij")
