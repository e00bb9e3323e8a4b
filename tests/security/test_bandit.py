"""Static analysis: ``bandit -r assess scoring indicators -ll`` reports nothing of medium or
high severity. A finding that is a false positive is silenced where it is, with ``# nosec
<id>`` and the reason on the same line, so the next reader sees why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANDIT = Path(sys.executable).with_name("bandit")

pytestmark = pytest.mark.pure


def test_bandit_is_clean_at_medium_and_above():
    assert BANDIT.exists(), f"bandit is not installed next to {sys.executable} (pip install bandit)"
    result = subprocess.run(
        [str(BANDIT), "-r", "assess", "scoring", "indicators", "-ll", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} ({r['issue_severity']}/"
        f"{r['issue_confidence']}): {r['issue_text']}"
        for r in report["results"]
    ]
    assert not findings, "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it did scan the code
