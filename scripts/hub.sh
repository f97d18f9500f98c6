#!/usr/bin/env bash
# Start a TGGrid hub on its embedded default (local Chromium/Firefox), installing what is missing.
# Extra arguments go to `tggrid hub` (see docs/configuration.md), e.g. --port 4444 --max-sessions 4
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/tggrid hub "$@"
