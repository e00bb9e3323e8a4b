"""``bench/pages.py --quick`` still runs and prints the figures of SPEC §7 (it builds its own
database in a temporary folder, so it is not a ``pure`` test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINES = (
    "pages.units",
    "pages.ranking_p50_ms",
    "pages.ranking_p95_ms",
    "pages.unit_p95_ms",
    "pages.health_p95_ms",
    "pages.queries_ranking",
)


def test_quick_run_prints_every_figure(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pages.py"), "--quick"],
        cwd=tmp_path,  # the script must not depend on where it is started from
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    figures = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert tuple(figures) == LINES, run.stdout
    values = {name: float(value) for name, value in figures.items()}
    assert values["pages.units"] == 100
    assert all(value > 0 for value in values.values()), values
    assert values["pages.queries_ranking"] == int(values["pages.queries_ranking"])
