"""Encryption at rest for TOTP secrets (Fernet), keyed from ``secret_key`` or a key file.

Without ``secret_key`` (env ``TGGRID_SECRET_KEY``) the hub creates ``<data_dir>/secret.key``
with mode 0600 once and reuses it; losing it makes enrolled 2FA secrets unreadable. Hubs
sharing one database must share the same key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "secret.key"


def load_key(secret_key: str, data_dir: Path) -> bytes:
    """32 bytes of key material."""
    if secret_key:
        return hashlib.sha256(secret_key.encode()).digest()
    path = data_dir / KEY_FILE
    try:
        return base64.urlsafe_b64decode(path.read_bytes().strip())
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return base64.urlsafe_b64decode(path.read_bytes().strip())
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.urlsafe_b64encode(key))
    return key


class SecretBox:
    def __init__(self, key: bytes) -> None:
        derived = hmac.new(key, b"tggrid totp secrets", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self._mac_key = hmac.new(key, b"tggrid backup codes", hashlib.sha256).digest()

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Raises ValueError when the key changed or the value was tampered with."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: the hub's secret key changed") from None

    def mac(self, value: str) -> str:
        """A keyed hash (for backup codes): a stolen database alone cannot test guesses."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()
