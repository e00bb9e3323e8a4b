"""A county office runs its own township cycle in a real browser, from set-up to a
published report (issue 16): 中牟县's office (孙悦, scoped to 中牟县) creates a cycle of a
township set, opens it; 示例乡镇01 and 示例乡镇02 fill in and hand in; the office turns it
to review, verifies 示例乡镇02's T1 lower than reported with a reason, publishes through the
pre-publish check, and reads the ranking and 示例乡镇01's report, signed by 中牟县's office.
The city office reads the cycle too; 金水区's office reaches nothing of it. Screenshots at
1366×900 and 390×844 go to ``ASSESS_SHOTS`` (default /tmp/county-office-shots/).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from playwright.sync_api import Page, expect

from tests.e2e.ui import (
    confirm_and_publish,
    create_cycle,
    expect_flash,
    open_pdf,
    shoot,
    verify_item,
)

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

SET_FILE = Path(__file__).parents[1] / "data" / "township_set.yaml"
CYCLE, YEAR = "2031年度中牟县乡镇考核测试", "2031"
OFFICE = "office-410122"
ISSUER = "中牟县流动人口服务管理工作领导小组办公室"
FIRST, SECOND = ("r-410122-001", "示例乡镇01"), ("r-410122-002", "示例乡镇02")
REASON = "抽查台账 10 户中 2 户信息未采集，不予认定"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/tmp/county-office-shots"))


def hand_in(page: Page, collected: str, stations: str, grade: str) -> None:
    """On a township's self-report page: fill T1 (collected/100), T2 and T3, save, submit."""
    t1 = page.locator("#item-T1")
    t1.get_by_label("分子").fill(collected)
    t1.get_by_label("分母").fill("100")
    page.locator("#item-T2").get_by_label("数值").fill(stations)
    page.locator("#item-T3").get_by_label("等级").select_option(grade)
    page.get_by_role("button", name="保存全部").first.click()
    expect_flash(page, "已保存")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 3 项指标")


def test_the_county_office_creates_and_opens_a_township_cycle(act, story):
    page = act(OFFICE)
    story["cycle"] = create_cycle(page, CYCLE, year=YEAR, set_file=SET_FILE)
    expect(page.locator("h1")).to_contain_text(CYCLE)
    # The county's twelve sample townships are assessed, and nothing of the city's tree.
    body = page.locator("main")
    expect(body).to_contain_text("示例乡镇12")
    expect(body).not_to_contain_text("金水区")
    shoot(page, SHOTS, "01-cycle-open")


def test_two_townships_hand_in(act, story):
    for (reporter, unit), values in zip(
        (FIRST, SECOND), (("97", "5", "优"), ("92", "4", "良")), strict=True
    ):
        page = act(reporter)
        page.goto("/cycles/")
        row = page.locator("tbody tr", has_text=CYCLE)
        row.get_by_role("link", name="本单位自评").click()
        expect(page.locator("h1")).to_contain_text(unit)
        hand_in(page, *values)
    shoot(page, SHOTS, "02-township-handed-in")


def test_the_office_verifies_one_item_lower_with_a_reason(act, story):
    page = act(OFFICE)
    page.goto(story["cycle"])
    page.get_by_role("button", name="转为：督查核查中").click()
    expect_flash(page, "考核周期已转为：督查核查中")
    page.get_by_role("link", name="核查队列").click()
    expect(page.locator("h1")).to_contain_text("核查队列")
    verify_item(page, story["cycle"], SECOND[1], "T1 流动人口信息采集率", "80/100", REASON)
    shoot(page, SHOTS, "03-verified")


def test_the_office_publishes_and_reads_the_ranking(act, story):
    page = act(OFFICE)
    page.goto(story["cycle"])
    page.get_by_role("link", name="发布前检查并发布").click()
    confirm_and_publish(page, "其余乡镇本年度不参加测试考核，按未填报计分")
    page.goto(story["cycle"])
    page.get_by_role("link", name="排名结果").click()
    expect(page.locator("h1")).to_contain_text("排名")
    rows = page.locator("table tbody tr")
    # 示例乡镇01 (97 %, 5 stations, 优) ranks before 示例乡镇02 (verified 80 %, 4, 良).
    expect(rows.nth(0)).to_contain_text(FIRST[1])
    expect(rows.nth(1)).to_contain_text(SECOND[1])
    expect(page.get_by_role("link", name="汇总报告（PDF）", exact=True)).to_be_visible()
    story["ranking"] = page.url
    shoot(page, SHOTS, "04-ranking")


def test_the_report_is_signed_by_the_county_office(act, story):
    page = act(OFFICE)
    page.goto(story["ranking"])
    page.locator("table tbody tr", has_text=SECOND[1]).get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text(REASON)
    shoot(page, SHOTS, "05-result")
    # On a phone the page is as wide as the phone: the score table scrolls in its box,
    # the radar chart shrinks.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 900})
    pdf = open_pdf(page, page.get_by_role("link", name="下载督查报告（PDF）"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "06-report.pdf").write_bytes(pdf)
    text = re.sub(r"\s+", "", extract_text(io.BytesIO(pdf)))
    assert SECOND[1] in text
    assert ISSUER in text
    assert "全县12个乡（镇、办）" in text  # compared with the county's townships, not the city's
    assert "郑州市" not in text  # the city's office signs only the city's own cycles
    assert re.sub(r"\s+", "", REASON) in text  # the 问题清单 gives the inspector's reason


def test_the_city_office_reads_it_and_another_county_office_does_not(act, story):
    city = act("admin")
    city.goto("/cycles/")
    expect(city.locator("tbody tr", has_text=CYCLE)).to_be_visible()
    city.goto(story["ranking"])
    expect(city.locator("table tbody tr").nth(0)).to_contain_text(FIRST[1])

    other = act("office-410105")
    other.goto("/cycles/")
    expect(other.locator("tbody tr", has_text=CYCLE)).to_have_count(0)
    response = other.goto(story["cycle"])
    assert response is not None and response.status in (403, 404)
