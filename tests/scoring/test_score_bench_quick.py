"""``bench/score.py --quick`` runs and prints the SPEC §7 lines as plain numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]


def test_bench_score_quick():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "score.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = dict(line.split(": ", 1) for line in completed.stdout.splitlines())
    assert list(figures) == [
        "score.values",
        "score.values_per_second",
        "score.baseline_values_per_second",
        "score.ratio_to_baseline",
    ]
    numbers = {name: float(value) for name, value in figures.items()}
    assert numbers["score.values"] == 500 * 60
    assert all(number > 0 for number in numbers.values())
