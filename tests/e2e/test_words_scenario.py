"""Chinese, not codes, in a real browser (issue 12, points 15, 16 and 18).

The office opens the indicator library (指标库) from the menu and reads a shipped set as a
table; creates a draft cycle, edits two weights and targets in the browser, is refused a
bad weight with what it typed kept, exports the set as a workbook with Chinese headers and
imports it back; reads the audit log in Chinese and filters it by those words; is refused a
township without a parent; sees the unit list in the tree's order. After the cycle opens,
the inspector's review page names the rule in Chinese. Each page is photographed at
1366×900 and 390×844 into ``/work/shots/words/`` (``ASSESS_SHOTS`` overrides).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import SET_PATH
from tests.e2e.ui import download, expect_flash
from tests.e2e.ui import shoot as ui_shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2026年度指标库浏览器测试"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/words"))


def shoot(page: Page, name: str) -> None:
    ui_shoot(page, SHOTS, name)


def test_office_reads_a_shipped_set_in_the_library(act):
    page = act("admin")
    page.goto("/")
    page.locator(".mainnav").get_by_role("link", name="指标库").click()
    expect(page.locator("h1")).to_have_text("指标库")
    shoot(page, "library-index")
    page.locator(
        "tr", has_text="郑州市流动人口基本公共服务均等化考核（县（市、区））（2011 年）"
    ).get_by_role("link", name="查看").click()
    table = page.locator("table.library").first
    expect(table.locator("thead")).to_contain_text("评分规则")
    expect(page.locator("main, .content").first).to_contain_text("郑政办〔2010〕90号")
    expect(page.locator("table.library td", has_text="比例折算").first).to_be_visible()
    expect(page.locator("table.library td", has_text="linear")).to_have_count(0)
    shoot(page, "library-shipped-set")


def test_office_creates_a_draft_and_edits_weights_and_targets(act, story):
    page = act("admin")
    page.goto("/cycles/new")
    page.get_by_label("考核年度", exact=True).fill("2026")
    page.get_by_label("周期名称", exact=True).fill(CYCLE)
    page.locator("input[type=file][name=upload]").set_input_files(str(SET_PATH))
    page.get_by_role("button", name="创建（草稿）").click()
    expect_flash(page, "已创建考核周期")
    # The set by its programme, never its file name.
    expect(page.locator("p.muted").first).to_contain_text("测试考核（2026 年）")
    expect(page.locator("p.muted").first).not_to_contain_text("cycle_set.yaml")
    story["cycle"] = page.url
    shoot(page, "overview-draft")

    page.goto("/library/")
    page.locator("tr", has_text=CYCLE).get_by_role("link", name="修改").click()
    story["library"] = page.url
    page.get_by_label("A1 权重").fill("45")
    page.get_by_label("A2 目标值").fill("5")
    page.get_by_role("button", name="保存权重和目标值").click()  # 1 click for both
    expect_flash(page, "已修改 2 项指标的权重或目标值")
    expect(page.get_by_label("A1 权重")).to_have_value("45")
    expect(page.get_by_label("A2 目标值")).to_have_value("5")
    shoot(page, "library-draft-set")


def test_a_bad_weight_is_refused_and_what_was_typed_stays(act, story):
    page = act("admin")
    page.goto(story["library"])
    page.get_by_label("A1 权重").fill("0")
    page.get_by_label("A2 目标值").fill("6")
    page.get_by_role("button", name="保存权重和目标值").click()
    expect(page.locator("#problems")).to_contain_text("A1 政策知晓率 的权重：权重须大于 0")
    expect(page.get_by_label("A1 权重")).to_have_value("0")
    expect(page.get_by_label("A2 目标值")).to_have_value("6")
    shoot(page, "library-refused")
    page.goto(story["library"])
    expect(page.get_by_label("A1 权重")).to_have_value("45")  # nothing changed


def test_office_exports_the_set_and_imports_it_back(act, story, tmp_path):
    page = act("admin")
    page.goto(story["library"])
    data = download(page, page.get_by_role("link", name="导出 Excel"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["基本信息", "等级", "指标"]
    header = [c.value for c in book["指标"][1]]
    assert header[:4] == ["分类代码", "分类名称", "指标代码", "指标名称"]
    sheet = book["指标"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 3).value == "A2")
    sheet.cell(row, header.index("权重") + 1).value = 35
    edited = tmp_path / "指标体系.xlsx"
    book.save(edited)
    page.get_by_label("导入 Excel 或 YAML（替换本周期的指标体系）").set_input_files(str(edited))
    page.get_by_role("button", name="导入", exact=True).click()
    expect_flash(page, "已导入指标体系")
    expect(page.get_by_label("A2 权重")).to_have_value("35")
    expect(page.get_by_label("A1 权重")).to_have_value("45")


def test_the_audit_log_reads_and_filters_in_chinese(act):
    page = act("admin")
    page.goto("/audit/")
    rows = page.locator("table.audit tbody")
    expect(rows).to_contain_text("登录")
    expect(rows).not_to_contain_text("user.login")
    page.get_by_label("操作", exact=True).fill("修改指标")
    page.get_by_role("button", name="筛选").click()
    expect(rows.locator("tr").first).to_contain_text("修改指标权重和目标值")
    expect(rows).not_to_contain_text("登录")
    shoot(page, "audit-filtered")


def test_a_township_needs_a_parent_and_units_list_in_tree_order(act):
    page = act("admin")
    page.goto("/admin/units/new")
    page.get_by_label("单位编码").fill("410105-009")
    page.get_by_label("单位名称").fill("无上级街道")
    page.get_by_label("单位类型").select_option(label="乡（镇、办）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-error")).to_contain_text("乡（镇、办）须有上级单位")
    shoot(page, "unit-form-refused")
    page.goto("/admin/units")
    names = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert names.index("金水区") < names.index("经八路街道") < names.index("经八路社区")
    assert names.index("经八路社区") < names.index("花园路街道") < names.index("农科路社区")
    assert "无上级街道" not in names
    shoot(page, "units-list")


def test_targets_and_review_pages_name_the_rule(act, story, cast):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("link", name="目标责任书（目标值与权重）").click()
    page.locator("select[name=unit]").select_option(label="金水区")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("table.grid tbody")).to_contain_text("比例折算")
    expect(page.locator("table.grid tbody")).not_to_contain_text("linear")
    shoot(page, "assignments")
    page.goto(story["cycle"])
    page.get_by_role("button", name="转为：自评填报中").click()
    expect_flash(page, "考核周期已转为：自评填报中")
    page.goto(story["library"])
    expect(page.locator(".toolbar")).to_contain_text("指标体系已冻结")
    expect(page.get_by_label("A1 权重")).to_have_count(0)

    reporter = act("r-410105")
    reporter.goto("/cycles/")
    reporter.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    reporter.locator("#item-A1").get_by_label("分子").fill("90")
    reporter.locator("#item-A1").get_by_label("分母").fill("100")
    reporter.locator("#item-A1").get_by_role("button", name="保存此项").click()
    expect_flash(reporter, "A1 已保存")
    # The overview and the self-report count the unit's indicators the same way.
    expect(reporter.locator(".progress-line")).to_contain_text("共 5 项指标：已填 1 项")
    page.goto(story["cycle"])
    row = page.locator("tbody tr", has_text="金水区")
    expect(row.locator("td.num").nth(0)).to_have_text("5")
    expect(row.locator("td.num").nth(1)).to_have_text("1")
    shoot(page, "overview-open")
    reporter.locator("#item-A2").get_by_label("数值").fill("5")
    reporter.locator("#item-A2").get_by_role("button", name="保存此项").click()
    expect_flash(reporter, "A2 已保存")
    reporter.locator("#item-B1").get_by_label("等级").select_option("优")
    reporter.locator("#item-B1").get_by_role("button", name="保存此项").click()
    expect_flash(reporter, "B1 已保存")
    reporter.get_by_role("button", name="提交自评").click()
    expect_flash(reporter, "已提交 3 项指标")

    inspector = act("inspector")
    inspector.goto(story["cycle"])
    inspector.get_by_role("link", name="核查队列").click()
    inspector.locator("tbody tr", has_text="政策知晓率").filter(
        has_text="金水区"
    ).first.get_by_role("link", name="核查").click()
    expect(inspector.locator("table.grid").first).to_contain_text("评分规则：比例折算")
    shoot(inspector, "review")
