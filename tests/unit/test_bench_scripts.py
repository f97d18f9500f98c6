"""Every ``bench/`` script still loads: the names it takes from the hub, the test support
and the other scripts exist (a renamed helper broke ``misrouted_command.py`` unnoticed once,
since nothing runs the benchmarks in CI)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(path.stem for path in BENCH.glob("*.py") if not path.stem.startswith("_"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_benchmark_loads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    for loaded in [m for m in sys.modules if m == "_common" or m in SCRIPTS]:
        monkeypatch.delitem(sys.modules, loaded)
    module = importlib.import_module(name)
    assert any(callable(getattr(module, entry, None)) for entry in ("main", "measure")), (
        f"bench/{name}.py has nothing to run")
