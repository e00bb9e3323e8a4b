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
    "pages.townships",
    "pages.overview_p50_ms",
    "pages.overview_p95_ms",
    "pages.queries_overview",
)


def run_pages(tmp_path, *args: str) -> dict[str, float]:
    """The figures ``bench/pages.py`` prints with ``args``."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pages.py"), *args],
        cwd=tmp_path,  # the script must not depend on where it is started from
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    figures = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert tuple(figures) == LINES, run.stdout
    return {name: float(value) for name, value in figures.items()}


def test_quick_run_prints_every_figure(tmp_path):
    values = run_pages(tmp_path, "--quick")
    assert values["pages.units"] == 100
    assert values["pages.townships"] == 10
    assert all(value > 0 for value in values.values()), values
    for name in ("pages.queries_ranking", "pages.queries_overview"):
        assert values[name] == int(values[name])


def test_queries_per_page_do_not_grow_with_the_units(tmp_path):
    """An N+1 (a query per row of the ranking table or of the overview's unit table) shows
    as more statements at 60 units than at 20: page 1 holds 20 rows, then a full page of
    PAGE_SIZE (50), the rest on page 2."""
    small, large = (
        run_pages(tmp_path, "--quick", "--rounds", "2", "--units", n, "--townships", n)
        for n in ("20", "60")
    )
    for name in ("pages.queries_ranking", "pages.queries_overview"):
        assert large[name] == small[name], (name, small[name], large[name])
