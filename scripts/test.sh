#!/usr/bin/env bash
# Run the whole TGGrid test suite on a Debian 12 machine (as root), installing what is missing
# and starting the real services it needs (Docker engine, PostgreSQL). Extra arguments go to
# pytest, e.g. scripts/test.sh -m "not docker" -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
eval "$(scripts/services.sh)"
# Stream pytest's progress as it goes, so a log cut short still shows how far the run got.
export PYTHONUNBUFFERED=1
.venv/bin/ruff check hub pytest_tggrid tests bench examples
.venv/bin/mypy  # hub/, pytest_tggrid/ and bench/ at the settings in pyproject.toml [tool.mypy]
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure here" >&2
fi
exit "$status"
