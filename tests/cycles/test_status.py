"""True status on the office's overview: 未开始 / 填报中 / 已提交 / 已退回 / 已核定 / 已公布
in every cycle state, and three colours that follow what the unit really still owes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assess.accounts.models import User
from assess.core.enums import Light, ReportProgress
from assess.core.formatting import local_today
from assess.cycles import rectifications, submissions
from assess.cycles.models import Cycle
from assess.cycles.pages import Progress, outstanding_light, report_progress
from tests.cycle_helpers import make_cycle, unit

TODAY = date(2026, 6, 10)
G, Y, R = Light.GREEN, Light.YELLOW, Light.RED


def status(filled=0, submitted=0, verified=0, returned=0) -> Progress:
    """Three scored indicators, ``submitted`` of them waiting, ``verified`` verified."""
    handed_in = submitted + verified
    return Progress(3, 3, filled, submitted, verified, returned, handed_in)


@pytest.mark.pure
@pytest.mark.parametrize(
    "state, counts, progress",
    [
        ("draft", {}, ReportProgress.NOT_STARTED),
        ("open", {}, ReportProgress.NOT_STARTED),
        ("open", {"filled": 1}, ReportProgress.FILLING),
        ("open", {"filled": 3, "submitted": 1}, ReportProgress.FILLING),
        ("open", {"filled": 3, "submitted": 3}, ReportProgress.SUBMITTED),
        ("open", {"filled": 3, "submitted": 2, "returned": 1}, ReportProgress.RETURNED),
        ("review", {"filled": 3, "submitted": 1, "verified": 2}, ReportProgress.SUBMITTED),
        ("review", {"filled": 3, "verified": 3}, ReportProgress.VERIFIED),
        ("published", {}, ReportProgress.PUBLISHED),
        ("archived", {"filled": 3, "verified": 3}, ReportProgress.PUBLISHED),
    ],
)
def test_progress_in_every_state(state, counts, progress):
    assert report_progress(state, status(**counts)) == progress


@pytest.mark.pure
@pytest.mark.parametrize(
    "state, counts, rect_dues, light",
    [
        # nothing filled: yellow before the deadline (the day itself included), red after
        ("open", {"due": TODAY + timedelta(days=20)}, [], Y),
        ("open", {"due": TODAY}, [], Y),
        ("open", {"due": TODAY - timedelta(days=1)}, [], R),
        ("open", {}, [], Y),  # no deadline: owed, never overdue
        # everything handed in: green, whatever the date
        ("open", {"submitted": 3, "due": TODAY - timedelta(days=1)}, [], G),
        # a returned item is owed again
        ("open", {"submitted": 2, "returned": 1, "due": TODAY + timedelta(days=1)}, [], Y),
        # an unanswered demand: yellow until its due date, red after
        ("open", {"submitted": 3}, [TODAY], Y),
        ("open", {"submitted": 3}, [TODAY - timedelta(days=1)], R),
        # in review an unfinished self-report can no longer be finished
        ("review", {"submitted": 1, "due": TODAY + timedelta(days=5)}, [], R),
        ("review", {"verified": 3}, [], G),
        ("draft", {}, [], G),
        ("published", {}, [TODAY - timedelta(days=9)], G),
    ],
)
def test_colour_follows_what_is_owed(state, counts, rect_dues, light):
    due = counts.pop("due", None)
    assert outstanding_light(state, status(**counts), due, rect_dues, TODAY) == light


def _row(page: str, name: str) -> str:
    match = re.search(r"<tr class=\"light-\w+\">(?:(?!</tr>).)*?" + name + r".*?</tr>", page, re.S)
    assert match, name
    return match.group(0)


def test_overview_shows_true_status_legend_and_answered_rectifications(as_user, db):
    admin = as_user("admin")
    reporter = User.get(User.username == "r-410105")
    inspector = User.get(User.username == "inspector")
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=10))
    jinshui = unit("410105")
    for code, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
        submissions.save_value(cycle, jinshui, code, value, "", 0, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    rect = rectifications.demand(
        cycle, jinshui, "补充调查样本", local_today() + timedelta(days=5), inspector
    )

    page = admin.get(f"/cycles/{cycle.id}").text
    assert "颜色说明" in page and "无待办" in page and "有待办" in page and "已逾期" in page
    row = _row(page, "金水区")
    assert 'class="light-yellow"' in row and "已提交" in row  # the demand is still owed
    assert 'class="light-yellow"' in _row(page, "二七区") and "未开始" in _row(page, "二七区")

    rectifications.respond(rect, "已补充", reporter)
    page = admin.get(f"/cycles/{cycle.id}").text
    assert 'class="light-green"' in _row(page, "金水区")  # answered: no longer amber
    rects = page[page.index('id="rectifications"') :]
    assert "status-green" in rects and "status-yellow" not in rects

    # After the deadline the unit that never started turns red, the one handed in stays green.
    Cycle.update(self_report_due=local_today() - timedelta(days=1)).where(
        Cycle.id == cycle.id
    ).execute()
    page = admin.get(f"/cycles/{cycle.id}").text
    assert 'class="light-red"' in _row(page, "二七区") and "未开始" in _row(page, "二七区")
    assert 'class="light-green"' in _row(page, "金水区")

    Cycle.update(state="published").where(Cycle.id == cycle.id).execute()
    page = admin.get(f"/cycles/{cycle.id}").text
    assert "已公布" in _row(page, "二七区") and 'class="light-green"' in _row(page, "二七区")
