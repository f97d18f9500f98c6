"""``python -m hub.api_docs > docs/api.md``: the /api reference of a hub with default settings
and every feature (no server started). Apart from hub/api because it builds the whole app,
which itself imports hub/api."""

from __future__ import annotations

import sys
import tempfile
from typing import Any

from hub.api.openapi import build, markdown
from hub.app import create_app
from hub.config import Settings


def document_for_docs() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        return build(create_app(Settings(data_dir=data_dir)))


if __name__ == "__main__":
    sys.stdout.write(markdown(document_for_docs()))
