"""``bench/publish.py --quick`` runs and prints SPEC §7's lines, on SQLite and, in the
PostgreSQL pass, against a fresh database on that server."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_SERVER, fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
LINES = ("publish.units", "publish.seconds")


def test_quick_run_prints_every_figure(tmp_path):
    with fresh_pg_database() if PG_SERVER else contextlib.nullcontext("") as url:
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "publish.py"), "--quick"]
            + (["--database-url", url] if url else []),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr
    figures = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert tuple(figures) == LINES, run.stdout
    assert float(figures["publish.units"]) == 100
    assert float(figures["publish.seconds"]) > 0
