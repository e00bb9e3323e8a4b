"""The office's season in a real browser (领导小组办公室): deadlines, one unit's extension,
true status on the cycle page, and publishing through the pre-publish check.

The office creates and opens a cycle, then closes the self-report early (a 自评截止 of
yesterday, with a reason; a 核查截止 before it is refused). 金水区's reporter finds its
self-report closed and is told why; the office extends 金水区 alone (延期), and the
reporter fills and submits within the extension. The cycle page shows each unit's true
status with a legend: 金水区 已提交 (green), the others 未开始 and overdue (red). In
inspection the office opens the pre-publish check, is refused while an exception is not
confirmed, confirms each and gives the reason for the units that never reported; the reason
is printed with the results. Every page changed is photographed at 1366×900 and 390×844
into ``ASSESS_E2E_SHOTS`` (default ``tests/e2e/artifacts/office``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assess.core.formatting import local_today
from tests.cycle_helpers import SET_PATH
from tests.e2e.ui import confirm_and_publish, create_cycle, expect_flash
from tests.e2e.ui import shoot as ui_shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2027年度办公室截止与发布测试"
REPORTER, UNIT = "r-410105", "金水区"
TODAY = local_today()
YESTERDAY, EXTENDED = TODAY - timedelta(days=1), TODAY + timedelta(days=2)
EXTENSION_REASON = "金水区系统故障，经批准补报"
UNREPORTED_REASON = "其余单位本年度不参加试点考核，经领导小组同意按未填报计分"
SHOTS = Path(os.environ.get("ASSESS_E2E_SHOTS") or Path(__file__).parent / "artifacts" / "office")


def shoot(page: Page, name: str) -> None:
    ui_shoot(page, SHOTS, name)


def test_office_creates_and_opens_a_cycle(act, story):
    page = act("admin")
    due = (TODAY + timedelta(days=10)).isoformat()
    story["cycle"] = create_cycle(page, CYCLE, year="2027", set_file=SET_PATH, due=due)


def test_office_closes_the_self_report_early_with_a_reason(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("link", name="截止日期与延期").click()
    expect(page.locator("h1")).to_contain_text("截止日期与延期")
    story["deadlines"] = page.url

    # A 核查截止 before the 自评截止 is refused, and nothing changes.
    page.get_by_label("自评截止日期", exact=True).fill(YESTERDAY.isoformat())
    page.get_by_label("核查截止日期", exact=True).fill((YESTERDAY - timedelta(days=1)).isoformat())
    page.get_by_label("修改原因", exact=True).fill("提前结束填报")
    page.get_by_role("button", name="保存截止日期").click()
    expect(page.locator(".flash-error")).to_contain_text("核查截止日期不能早于自评截止日期")
    shoot(page, "deadlines-refused")

    page.get_by_label("核查截止日期", exact=True).fill((TODAY + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="保存截止日期").click()
    expect_flash(page, "截止日期已更新")
    expect(page.get_by_label("自评截止日期", exact=True)).to_have_value(YESTERDAY.isoformat())


def test_reporter_finds_the_self_report_closed(act, story):
    page = act(REPORTER)
    page.goto("/cycles/")
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    story["unit_page"] = page.url
    notice = page.locator(".deadline")
    expect(notice).to_contain_text(f"自评截止：{YESTERDAY.isoformat()}")
    expect(notice).to_contain_text("已逾期 1 天，填报已截止")
    expect(page.get_by_text("请联系领导小组办公室申请延期")).to_be_visible()
    # No form or button that can only fail.
    expect(page.get_by_role("button", name="保存此项")).to_have_count(0)
    expect(page.get_by_role("button", name="提交自评")).to_have_count(0)
    shoot(page, "selfreport-closed")


def test_office_extends_one_unit(act, story):
    page = act("admin")
    page.goto(story["deadlines"])
    page.get_by_label("单位", exact=True).select_option(label=UNIT)
    page.get_by_label("延期至", exact=True).fill(EXTENDED.isoformat())
    page.get_by_label("延期原因", exact=True).fill(EXTENSION_REASON)
    page.get_by_role("button", name="批准延期").click()
    expect_flash(page, f"{UNIT} 已延期至 {EXTENDED.isoformat()}")
    row = page.locator("#extensions + .table-scroll tbody tr", has_text=UNIT)
    expect(row).to_contain_text(EXTENSION_REASON)
    shoot(page, "deadlines")


def test_reporter_reports_within_the_extension(act, story):
    page = act(REPORTER)
    page.goto(story["unit_page"])
    notice = page.locator(".deadline")
    expect(notice).to_contain_text(f"本单位已获延期至 {EXTENDED.isoformat()}")
    expect(notice).to_contain_text(EXTENSION_REASON)
    expect(notice).to_contain_text("剩余 2 天")
    shoot(page, "selfreport-extended")

    a1 = page.locator("#item-A1")
    a1.get_by_label("分子").fill("90")
    a1.get_by_label("分母").fill("100")
    a1.get_by_role("button", name="保存此项").click()
    expect_flash(page, "A1 已保存")
    page.locator("#item-A2").get_by_label("数值").fill("4")
    page.locator("#item-A2").get_by_role("button", name="保存此项").click()
    expect_flash(page, "A2 已保存")
    page.locator("#item-B1").get_by_label("等级").select_option("良")
    page.locator("#item-B1").get_by_role("button", name="保存此项").click()
    expect_flash(page, "B1 已保存")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 3 项指标")


def test_cycle_page_shows_true_status_with_a_legend(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    legend = page.locator("ul.legend")
    expect(legend).to_contain_text("无待办")
    expect(legend).to_contain_text("有待办")
    expect(legend).to_contain_text("已逾期")
    jinshui = page.locator("#unit-progress tbody tr", has_text=UNIT)
    expect(jinshui).to_have_class("light-green")
    expect(jinshui.locator("td").first).to_have_text("已提交")
    expect(jinshui).to_contain_text(EXTENDED.isoformat())
    erqi = page.locator("#unit-progress tbody tr", has_text="二七区")
    expect(erqi).to_have_class("light-red")
    expect(erqi.locator("td").first).to_contain_text("未开始")
    shoot(page, "overview-open")


def test_publishing_goes_through_the_check(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("button", name="转为：督查核查中").click()
    expect_flash(page, "考核周期已转为：督查核查中")
    page.get_by_role("link", name="发布前检查并发布").click()
    expect(page.locator("h1")).to_contain_text("发布前检查")
    unreported = page.locator("#check-unreported")
    expect(unreported).to_contain_text("从未报送的单位（28）")
    expect(unreported).to_contain_text("二七区")
    expect(page.locator("#check-unverified")).to_contain_text("A1 政策知晓率")
    expect(page.locator("#check-deadlines")).to_contain_text(EXTENDED.isoformat())

    # Not everything confirmed, no reason: refused, and told what is missing.
    page.locator("input[name=confirm_unreported]").check()
    page.get_by_role("button", name="发布结果").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("请确认“尚未核定的指标”")
    expect(problems).to_contain_text("须填写发布说明")
    expect(page.locator("input[name=confirm_unreported]")).to_be_checked()
    shoot(page, "publish-refused")

    confirm_and_publish(page, UNREPORTED_REASON)
    expect(
        page.locator("#unit-progress tbody tr", has_text="二七区").locator("td").first
    ).to_have_text("已公布")
    shoot(page, "overview-published")


def test_the_reason_is_printed_with_the_results(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("link", name="排名结果").click()
    note = page.locator(".unreported-note")
    expect(note).to_contain_text("未报送单位")
    expect(note).to_contain_text("二七区")
    expect(note).to_contain_text(UNREPORTED_REASON)
    shoot(page, "ranking")
    page.locator("table.ranking tbody tr", has_text="二七区").get_by_role(
        "link", name="得分明细"
    ).click()
    expect(page.locator(".unreported-note")).to_contain_text("本单位未报送自评")
    expect(page.locator(".unreported-note")).to_contain_text(UNREPORTED_REASON)
    shoot(page, "result-unreported")


def test_the_check_page_before_publishing_looks_right(act, story):
    page = act("admin")
    page.goto(story["cycle"] + "/publish")
    expect(page.locator("h1")).to_contain_text("发布前检查")
    shoot(page, "publish-check")


def test_no_browser_errors(cast):
    """No script error and no console error (CSP violations among them) on any page."""
    assert cast.errors == []
