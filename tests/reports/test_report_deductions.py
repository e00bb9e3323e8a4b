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
from tests.cycle_helpers import make_cycle
from tests.reports.report_helpers import indicator_rows, jinshui_handed_in, render_to

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


@pytest.fixture
def deducted(demo, db):
    """金水区 published with B1 at 中 (18 of 30 points) and A2 below target (0 points), and
    deductions of 25 and 2 stored on them as a cycle before the entry check could hold."""
    cycle = make_cycle("open")
    admin = User.get(User.username == "admin")
    jinshui = jinshui_handed_in(cycle, [("A1", "85/100"), ("A2", "1"), ("B1", "中")])
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


def test_the_problem_list_gives_each_finding_with_the_inspectors_words(demo, db, tmp_path):
    """A deduction with its reason, a 核定值 other than the claim with the inspector's
    reason, an item still sent back, a demand with its due date: all in 问题清单."""
    from datetime import date

    from assess.cycles import rectifications

    cycle = make_cycle("open")
    inspector = User.get(User.username == "inspector")
    admin = User.get(User.username == "admin")
    jinshui = jinshui_handed_in(cycle, [("A1", "85/100"), ("A2", "4"), ("B1", "良")])
    subs = {
        s.indicator_code: s
        for s in Submission.select().where(Submission.cycle == cycle, Submission.unit == jinshui)
    }
    a1 = subs["A1"]
    submissions.verify_item(
        a1, a1.version, inspector, "70/100", "抽样复核，部分调查表无签字，不予认定"
    )
    b1 = subs["B1"]
    submissions.verify_item(
        b1, b1.version, inspector, deduction=Decimal(2), deduction_reason="台账缺少签到表"
    )
    a2 = subs["A2"]
    submissions.return_item(a2, "协调会记录缺少会议纪要", a2.version, inspector)
    rectifications.demand(cycle, jinshui, "补齐调查表签字", date(2026, 12, 31), inspector, "A1")
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(cycle, admin)

    data = content.unit_report(cycle, jinshui, "郑州市流动人口服务管理领导小组办公室")
    found = [(p.kind, p.indicator, p.detail) for p in data.problems]
    assert found[0] == (
        "核定",
        "A1",
        "自评值 85.00%（85/100），核定值 70.00%（70/100）：抽样复核，部分调查表无签字，不予认定",
    )
    assert ("退回", "A2", "退回修改，未重新提交：协调会记录缺少会议纪要") in found
    assert ("扣分", "B1", "扣 2.00 分：台账缺少签到表") in found
    assert found[-1] == ("整改要求", "A1", "补齐调查表签字（整改时限：2026年12月31日）")
    text = render_to(tmp_path, "problems.pdf", data).flat_text()
    for words in (
        "问题清单",
        "抽样复核，部分调查表无签字，不予认定",
        "协调会记录缺少会议纪要",
        "整改时限：2026年12月31日",
    ):
        assert words in text


def test_the_result_page_gives_the_inspectors_reason_for_a_verified_value(demo, db, as_user):
    cycle = make_cycle("open")
    inspector = User.get(User.username == "inspector")
    jinshui = jinshui_handed_in(cycle, [("A1", "85/100"), ("A2", "4"), ("B1", "良")])
    a1 = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A1")
    submissions.verify_item(a1, a1.version, inspector, "70/100", "抽样复核，部分调查表无签字")
    lifecycle.transition(cycle, "review", User.get(User.username == "admin"))
    publishing.publish(cycle, User.get(User.username == "admin"))
    page = as_user("r-410105").get(f"/cycles/{cycle.id}/units/{jinshui.id}/result")
    assert "抽样复核，部分调查表无签字" in page.get_data(as_text=True)


def _publish_jinshui(year: int, values, inspector, admin, previous=None, reviewed_on=None):
    cycle = make_cycle("open", year=year, previous=previous)
    jinshui = jinshui_handed_in(cycle, values)
    for sub in Submission.select().where(Submission.cycle == cycle, Submission.unit == jinshui):
        submissions.verify_item(sub, sub.version, inspector)
    if reviewed_on:  # the days the reviews took place, as stored (UTC)
        for code, at in reviewed_on.items():
            Submission.update(reviewed_at=at).where(
                Submission.cycle == cycle, Submission.indicator_code == code
            ).execute()
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(cycle, admin)
    return cycle, jinshui


def test_the_report_states_the_inspection_and_last_years_result(demo, db):
    """The team and the days of the inspection come from the review records (a review
    after publication answers an appeal and does not count), last year's result from the
    previous cycle's publication."""
    from datetime import date, datetime, timedelta

    from assess.core.models import utcnow

    inspector = User.get(User.username == "inspector")
    admin = User.get(User.username == "admin")
    before, _ = _publish_jinshui(
        2025, [("A1", "95/100"), ("A2", "5"), ("B1", "优")], inspector, admin
    )
    cycle, jinshui = _publish_jinshui(
        2026,
        [("A1", "85/100"), ("A2", "4"), ("B1", "良")],
        inspector,
        admin,
        previous=before,
        # 23:30 UTC is the next morning in Zhengzhou: the 3rd and the 6th there
        reviewed_on={
            "A1": datetime(2026, 3, 2, 23, 30),
            "A2": datetime(2026, 3, 4, 8, 0),
            "B1": datetime(2026, 3, 6, 2, 0),
        },
    )
    data = content.unit_report(cycle, jinshui, "郑州市流动人口服务管理领导小组办公室")
    assert data.inspection.team == ("督查组 李明",)
    assert (data.inspection.first_day, data.inspection.last_day) == (
        date(2026, 3, 3),
        date(2026, 3, 6),
    )
    last = content.unit_report(before, jinshui, "郑州市流动人口服务管理领导小组办公室")
    assert data.previous.year == 2025
    assert (data.previous.total, data.previous.grade, data.previous.rank) == (
        last.total,
        last.grade,
        last.rank,
    )
    assert dict(data.previous.category_percents) == {c.name: c.percent for c in last.categories}
    assert data.total < last.total  # lower values this year: the comparison has a direction
    # A review after publication (an appeal's answer) moves neither the days nor the team.
    Submission.update(reviewed_at=utcnow() + timedelta(days=1), reviewed_by=admin).where(
        Submission.cycle == cycle, Submission.indicator_code == "A2"
    ).execute()
    again = content.unit_report(cycle, jinshui, "郑州市流动人口服务管理领导小组办公室")
    assert again.inspection == data.inspection
