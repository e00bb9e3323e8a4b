"""`assess indicators trace`: a set traced offline to the clauses of the documents it cites."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.cli.offline_scoring import indicators_group

pytestmark = pytest.mark.pure

SETS = Path(__file__).resolve().parents[2] / "indicators" / "sets"


def trace(*args: str):
    return CliRunner().invoke(indicators_group, ["trace", *args])


def test_every_clause_is_listed_with_its_indicators():
    result = trace(str(SETS / "zz-2011-county.yaml"))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_clause = {r["条款"]: r for r in rows}
    assert len(rows) == 23
    assert (by_clause["三（一）"]["覆盖情况"], by_clause["三（一）"]["指标"]) == (
        "指标直接引用",
        "A2",
    )
    assert by_clause["四（一）"]["覆盖情况"] == "未覆盖" and by_clause["四（一）"]["指标"] == ""
    assert by_clause["四"]["覆盖情况"] == "由下级条款的指标覆盖"


def test_a_citation_of_a_missing_clause_fails_with_its_line(tmp_path):
    text = (SETS / "zz-2011-county.yaml").read_text("utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace("郑政办〔2010〕90号 三(一)", "郑政办〔2010〕90号 九(一)", 1), "utf-8"
    )
    result = trace(str(broken), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1
    assert "A2：引用的条款 九（一） 在 郑政办〔2010〕90号 中找不到" in result.stderr
    assert (tmp_path / "out.csv").exists()  # the trace is still written for reading
