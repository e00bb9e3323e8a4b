"""``bench/load.py --quick`` runs (on SQLite, and on the PostgreSQL pass against that server)
and prints the SPEC §7 lines, with nothing lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_SERVER

ROOT = Path(__file__).resolve().parents[2]
SPEC_LINES = [
    "load.users",
    "load.requests",
    "load.errors",
    "load.p50_ms",
    "load.p95_ms",
    "load.p99_ms",
    "load.lost_writes",
]


def test_bench_load_quick():
    engine = ["--database-url", PG_SERVER] if PG_SERVER else []
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", *engine],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    lines = completed.stdout.splitlines()
    assert lines[0] == ("# postgresql" if PG_SERVER else "# sqlite")
    figures = dict(line.split(": ", 1) for line in lines[1:])
    assert list(figures)[: len(SPEC_LINES)] == SPEC_LINES
    numbers = {name: float(value) for name, value in figures.items()}
    assert numbers["load.users"] == 5
    assert numbers["load.requests"] > 0 and numbers["load.p95_ms"] > 0
    assert numbers["load.lost_writes"] == 0, completed.stderr
    assert numbers["load.errors"] == 0, completed.stderr
    assert numbers["load.submits"] == 5 and numbers["load.uploads"] > 0
    assert numbers["load.audit_problems"] == 0
