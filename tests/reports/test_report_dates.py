"""The 成文日期 of a report is the day its results were published, on the office's calendar
(China time), whatever the day or the time zone it is printed in."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import lifecycle, publishing
from assess.cycles.models import ResultSnapshot
from assess.reports import content, render
from tests.cycle_helpers import make_cycle
from tests.reports.report_helpers import jinshui_handed_in, render_to

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")

OFFICE = "郑州市流动人口服务管理领导小组办公室"


@pytest.fixture
def published(demo, db):
    """A 2011 cycle published at 2012-01-15 17:30 UTC: 01:30 on 16 January in Zhengzhou."""
    cycle = make_cycle("open", year=2011)
    admin = User.get(User.username == "admin")
    jinshui = jinshui_handed_in(cycle, [("A1", "85/100"), ("A2", "1"), ("B1", "良")])
    lifecycle.transition(cycle, "review", admin)
    snapshot = publishing.publish(cycle, admin)
    ResultSnapshot.update(published_at=datetime(2012, 1, 15, 17, 30)).where(
        ResultSnapshot.id == snapshot.id
    ).execute()
    return cycle, jinshui


def test_reports_are_dated_the_day_of_publication_in_china_time(published, tmp_path):
    cycle, jinshui = published
    unit_data = content.unit_report(cycle, jinshui, OFFICE)
    city_data = content.city_summary(cycle, OFFICE)
    assert unit_data.report_date == city_data.report_date == date(2012, 1, 16)
    for name, data in (("unit.pdf", unit_data), ("city.pdf", city_data)):
        text = render_to(tmp_path, name, data).flat_text()
        assert "2012年1月16日" in text, name  # cover and sign-off
        assert render.cn_date(local_today()) not in text, name


def test_a_reprint_carries_the_same_date_and_a_republication_its_own(published, tmp_path):
    cycle, jinshui = published
    first = content.unit_report(cycle, jinshui, OFFICE)
    assert content.unit_report(cycle, jinshui, OFFICE).report_date == first.report_date
    admin = User.get(User.username == "admin")
    again = publishing.publish(cycle, admin, reason="更正数据")
    ResultSnapshot.update(published_at=datetime(2012, 2, 1, 2, 0)).where(
        ResultSnapshot.id == again.id
    ).execute()
    assert content.unit_report(cycle, jinshui, OFFICE).report_date == date(2012, 2, 1)
    assert content.city_summary(cycle, OFFICE).report_date == date(2012, 2, 1)
