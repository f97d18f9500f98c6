"""What never reaches the timeline's storage: typed text, cookie values, credentials, and
anything matching the hub's ``timeline_secret_patterns``.

The hub cannot tell cheaply whether an input is a password field (that would cost a command
to the browser), so by default every text a test types (Element Send Keys, key actions,
alert text) is masked. With ``timeline_show_typed_text`` typed text is shown, except into
elements whose locator names a secret (password, token, ...), and the secret patterns still
apply. Cookie values and ``Authorization``/``Cookie`` headers are never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "•••"
# Locators and header/parameter names that say "this is a secret".
SECRET_WORDS = re.compile(r"pass|pwd|secret|token|otp|pin\b|credential|auth|cookie|api.?key",
                          re.IGNORECASE)
DEFAULT_PATTERNS = (
    r"(?i)\bbearer\s+[\w.~+/=-]+",
    r"(?i)\bbasic\s+[a-z0-9+/=]{8,}",
    r"(?i)(password|passwd|pwd|secret|token|api[_-]?key)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+",
    r"://[^/\s:@]+:[^/\s@]+@",  # credentials in a URL
)


class Masker:
    MASK = MASK

    def __init__(self, patterns: Iterable[str] = (), *, show_typed: bool = False) -> None:
        self.patterns = [re.compile(p) for p in (*DEFAULT_PATTERNS, *patterns)]
        self.show_typed = show_typed

    def text(self, value: str) -> str:
        """``value`` with every secret pattern's match replaced by the mask."""
        for pattern in self.patterns:
            if pattern.search(value):
                value = pattern.sub(MASK, value)
        return value

    def typed(self, value: str, locator: str = "") -> str:
        """What a test typed: masked unless the hub shows typed text and the element's
        locator does not name a secret."""
        if not self.show_typed or SECRET_WORDS.search(locator):
            return MASK
        return self.text(value)

    def named(self, name: str, value: str) -> str:
        """A header or parameter value: masked when its name names a secret."""
        return MASK if SECRET_WORDS.search(name) else self.text(value)
