"""The what-if simulation in a real browser (权重模拟): the office publishes a cycle in which
金水区 reported (A1 90%, A2 4 次, B1 优 → 94.29, 优秀), creates next year's draft, opens
权重模拟 from the draft's page and sees last year's results reproduced; it tries weights
A1 80, A2 0, B1 20 and sees 金水区 drop to 88.57 (良好), highlighted and counted as a grade
change, with the before/after chart; a negative weight is refused with a message at its
box; both pages pass axe-core. Pages are photographed at 1366×900 and 390×844 into
``ASSESS_E2E_SHOTS`` (default ``tests/e2e/artifacts/whatif``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import SET_PATH
from tests.e2e.test_accessibility import AXE, axe_violations, describe
from tests.e2e.ui import create_cycle, publish_handed_in
from tests.e2e.ui import shoot as ui_shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

LAST = "2030年度权重模拟基准周期"
DRAFT = "2031年度权重模拟草稿周期"
REPORTER, UNIT = "r-410105", "金水区"
SHOTS = Path(os.environ.get("ASSESS_E2E_SHOTS") or Path(__file__).parent / "artifacts" / "whatif")


def shoot(page: Page, name: str) -> None:
    ui_shoot(page, SHOTS, name)


def test_office_publishes_last_years_cycle(act, story):
    story["last"] = publish_handed_in(
        act("admin"), act(REPORTER), LAST, "2030", "浏览器测试：仅金水区参加"
    )


def test_office_opens_the_simulation_from_the_draft(act, story):
    page = act("admin")
    story["draft"] = create_cycle(page, DRAFT, year="2031", set_file=SET_PATH, open_it=False)
    page.get_by_role("link", name="权重模拟").click()
    expect(page.locator("h1")).to_contain_text("权重模拟")
    page.get_by_label("比较的已公布考核周期").select_option(label=LAST)
    page.get_by_role("button", name="重新模拟").click()
    expect(page.locator("#whatif-result-title")).to_contain_text(LAST)
    row = page.locator("table.whatif tbody tr", has_text=UNIT)
    expect(row.locator("td")).to_have_text(
        [UNIT, "94.29", "94.29", "0.00", "优秀", "优秀", "1", "1"]
    )
    expect(page.locator(".whatif-summary")).to_contain_text("等次变化的单位：0 个")


def test_edited_weights_show_the_grade_change(act, story):
    page = act("admin")
    page.get_by_label("A1 政策知晓率").fill("80")
    page.get_by_label("A2 协调会次数").fill("0")
    page.get_by_label("B1 工作机制评价").fill("20")
    page.get_by_role("button", name="重新模拟").click()
    row = page.locator("table.whatif tbody tr", has_text=UNIT)
    # 80 × 30/35 = 68.57 + 0 + 20 × 1.0 = 88.57 of 100.
    expect(row.locator("td")).to_have_text(
        [f"{UNIT} 等次变化", "94.29", "88.57", "-5.72", "优秀", "良好", "1", "1"]
    )
    expect(row).to_have_class("grade-changed")
    expect(page.locator(".whatif-summary")).to_contain_text("等次变化的单位：1 个")
    expect(page.locator(".whatif-summary")).to_contain_text("金水区 优秀→良好")
    chart = page.locator("figure.chart-figure").first
    expect(chart.locator("svg[role=img]")).to_be_visible()
    expect(chart.locator("h4")).to_contain_text("模拟前后总得分")
    # What was typed stays; nothing was saved: the draft's set keeps its weights.
    expect(page.get_by_label("A1 政策知晓率")).to_have_value("80")
    shoot(page, "whatif-changed")
    page.goto(story["draft"])
    page.get_by_role("link", name="权重模拟").click()
    expect(page.get_by_label("A1 政策知晓率")).to_have_value("40")


def test_a_bad_weight_is_refused_at_its_box(act, story):
    page = act("admin")
    page.get_by_label("A2 协调会次数").fill("-5")
    page.get_by_role("button", name="重新模拟").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("权重有误，未进行模拟")
    expect(summary).to_contain_text("权重不能为负数")
    expect(page.locator(".field-error")).to_contain_text("权重不能为负数")
    expect(page.locator("table.whatif")).to_have_count(0)
    shoot(page, "whatif-refused")


def test_the_simulation_passes_axe(act, story):
    """The accessibility test's demo has no draft to compare with a published cycle, so
    the page with its tables and charts is checked here."""
    page = act("admin")
    page.context.add_init_script(path=str(AXE))
    page.goto(story["draft"])
    page.get_by_role("link", name="权重模拟").click()
    page.get_by_label("比较的已公布考核周期").select_option(label=LAST)
    page.get_by_label("A2 协调会次数").fill("-5")
    page.get_by_role("button", name="重新模拟").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert describe(page.url, axe_violations(page)) == []
    page.get_by_label("A2 协调会次数").fill("10")
    page.get_by_role("button", name="重新模拟").click()
    expect(page.locator("table.whatif").first).to_be_visible()
    assert describe(page.url, axe_violations(page)) == []
