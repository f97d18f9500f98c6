"""API tokens: random, shown once, stored only as a SHA-256 hash.

Tokens carry 256 bits of randomness, so a fast hash is enough (no one can guess one to test
against a stolen hash) and it lets a token be looked up by its hash in one index probe.
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "tgg_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    """The first characters, enough to tell tokens apart in a list."""
    return token[: len(PREFIX) + 6]
