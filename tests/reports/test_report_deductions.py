"""The unit report prints what a deduction (扣分) took off, not what was typed: an item
scores at least 0 (扣完为止), so a deduction on an item at 0 prints as 0."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Submission
from assess.reports import content
from tests.cycle_helpers import make_cycle, unit
from tests.reports.report_helpers import indicator_rows, render_to

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


@pytest.fixture
def deducted(demo, db):
    """金水区 published with B1 at 中 (18 of 30 points) and A2 below target (0 points), and
    deductions of 25 and 2 stored on them as a cycle before the entry check could hold."""
    cycle = make_cycle("open")
    reporter = User.get(User.username == "r-410105")
    admin = User.get(User.username == "admin")
    jinshui = unit("410105")
    for code, value in [("A1", "85/100"), ("A2", "1"), ("B1", "中")]:
        submissions.save_value(cycle, jinshui, code, value, "", None, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    for code, points in [("B1", "25"), ("A2", "2")]:
        Submission.update(
            status="verified", deduction=Decimal(points), deduction_reason="台账不全"
        ).where(Submission.indicator_code == code).execute()
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(cycle, admin)
    return cycle, jinshui


def test_the_report_prints_the_effective_deduction(deducted, tmp_path):
    cycle, jinshui = deducted
    data = content.unit_report(cycle, jinshui, "郑州市流动人口服务管理领导小组办公室")
    rows = {r.code: r for r in data.indicators}
    assert (rows["B1"].score, rows["B1"].deduction) == (Decimal("0.00"), Decimal("18.00"))
    assert rows["A2"].deduction is None  # at 0 already: nothing came off
    # What each indicator aims at, shown for the graded and yes/no ones too.
    assert (rows["A1"].target, rows["B1"].target, rows["V1"].target) == ("95.00%", "优", "否")
    assert rows["A1"].self_reported == "85.00%（85/100）"  # print form: two decimals
    # 得分依据 as published, in words: what the rule gave, what the inspectors took off.
    assert (
        rows["B1"].explanation == "评价为“中”，按分值的60%计，得18.00分；督查扣18.00分，实得0.00分"
    )
    pdf = render_to(tmp_path, "deducted.pdf", data)
    printed = indicator_rows(pdf, {"A2", "B1"})
    assert "-18.00" in printed["B1"] and "-25.00" not in printed["B1"]
    assert not [cell for cell in printed["A2"] if cell.startswith("-")]
