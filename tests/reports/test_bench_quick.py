"""bench/report.py --quick runs and prints the SPEC §7 lines as plain numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
LINES = [
    "report.pages",
    "report.seconds_per_report",
    "report.bytes_per_report",
    "report.batch_reports",
    "report.speedup_2_workers",
    "report.seconds_per_batch_report",
    "report.seconds_per_summary",
]


def test_bench_report_quick():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "report.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    figures = {}
    for line in out.stdout.splitlines():
        match = re.fullmatch(r"([a-z_.0-9]+): (-?\d+(?:\.\d+)?)", line)
        assert match, line
        figures[match[1]] = float(match[2])
    assert list(figures) == LINES
    assert figures["report.pages"] > 1
    assert figures["report.seconds_per_report"] > 0
    assert 0 < figures["report.bytes_per_report"] <= 400_000
    assert figures["report.batch_reports"] >= 2
    assert figures["report.seconds_per_batch_report"] > 0
    assert figures["report.seconds_per_summary"] > 0
    assert figures["report.speedup_2_workers"] > 0
