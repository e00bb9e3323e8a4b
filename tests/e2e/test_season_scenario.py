"""A reporter's season with no dead ends (issue 12, points 3, 4, 5, 7, 8), in a real browser.

The office opens two cycles: one for counties and departments, one whose set assesses
counties only. 市公安局's reporter sees only the first. 二七区's reporter fills the Excel
template: an absurd number is refused with its range, the corrected file imports, and once
everything is submitted the upload and 提交 give way to a status text. The reporter withdraws
one item (撤回) and hands it in again; the inspector returns it and verifies another; a
withdrawal on a page built before the inspector acted is refused with what the inspector
did. The template downloaded after the return locks the handed-in rows, and its import saves
the returned row and lists the skipped ones. The inspector demands a rectification; the
reporter answers with evidence, deletes a file (asked first; without JavaScript too) and the
inspector opens the answer's file. Each test is one step; they run in order.

Screenshots of every page this touches, at 1366×900 and 390×844, go to
``ASSESS_SEASON_SHOTS`` (default ``tests/e2e/artifacts/season``, which git ignores), to be
looked at.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assess.demo.units import DEMO_PASSWORD
from tests.cycle_helpers import SET_PATH, fill_template, png_bytes
from tests.e2e.ui import create_cycle, expect_flash

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2026年度整季演练考核"
COUNTY_ONLY = "2026年度区县专项演练"
REPORTER, UNIT = "r-410103", "二七区"
POLICE = "r-dept-gaj"
RETURN_REASON = "会议台账不全，请补充"
DEMAND = "补齐协调会议纪要并报送"
PHOTO = "整改现场照片.png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOTS = Path(
    os.environ.get("ASSESS_SEASON_SHOTS") or Path(__file__).parent / "artifacts" / "season"
)
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}

COUNTY_ONLY_SET = """\
program: 区县专项考核
year: 2026
source: 测试文件〔2026〕2号
grades:
  - {min: 60, grade: 合格}
  - {min: 0, grade: 不合格}
categories:
  - code: A
    name: 专项
    indicators:
      - {code: A1, name: 专项检查次数, applies_to: [county], measure: count, unit: 次,
         target: 4, weight: 10, rule: threshold, max: 365, source: "测试 一"}
"""


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots of the page as it is, at both sizes, then back to the default."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(before)


def download_template(page: Page):
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel 填报模板").click()
    return load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))


def upload_template(page: Page, wb, name: str = "二七区自评.xlsx") -> None:
    out = io.BytesIO()
    wb.save(out)
    page.get_by_label("填好的模板").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": out.getvalue()}]
    )
    page.get_by_role("button", name="上传填好的模板").click()


def test_office_opens_two_cycles(act, story, tmp_path):
    page = act("admin")
    story["cycle"] = create_cycle(page, CYCLE, set_file=SET_PATH)
    county_set = tmp_path / "county-only.yaml"
    county_set.write_text(COUNTY_ONLY_SET, encoding="utf-8")
    story["county_only"] = create_cycle(page, COUNTY_ONLY, set_file=county_set)


def test_department_sees_only_the_cycle_that_assesses_it(act, story):
    page = act(POLICE)
    page.goto("/cycles/")
    expect(page.locator("tbody tr", has_text=CYCLE)).to_have_count(1)
    expect(page.locator("tbody tr", has_text=COUNTY_ONLY)).to_have_count(0)
    shoot(page, "cycles-department")
    # Nor by a typed address: the cycle, its self-report page and its template are not found.
    response = page.goto(story["county_only"])
    assert response.status == 404
    expect(page.locator("main, .content").first).to_contain_text("页面不存在")


def test_reporter_absurd_number_in_the_template_is_refused_with_its_range(act, story):
    page = act(REPORTER)
    page.goto("/cycles/")
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    expect(page.locator("h1")).to_contain_text(UNIT)
    story["unit_page"] = page.url
    wb = download_template(page)
    ws = wb.active
    assert ws["J1"].value == "状态"
    fill_template(ws, "A1", 分子=180, 分母=200, 情况说明="抽样调查 200 人")
    fill_template(ws, "A2", 填报值=40000000)  # a typo of many zeros
    upload_template(page, wb)
    expect(page.locator(".flash-error").first).to_contain_text(
        "第 3 行：数值超出范围：40000000（应在 0 至 10,000,000 次 之间）"
    )
    expect(page.locator(".flash-error", has_text="未保存任何数据")).to_be_visible()
    expect(page.locator(".progress-line")).to_contain_text("已填 0 项")
    story["workbook"] = wb
    shoot(page, "selfreport-range-refused")


def test_reporter_imports_the_corrected_template_and_submits(act, story, cast):
    page = act(REPORTER)
    wb = story["workbook"]
    ws = wb.active
    fill_template(ws, "A2", 填报值=4)
    fill_template(ws, "B1", 填报值="良")
    fill_template(ws, "X1", 填报值=1)
    fill_template(ws, "V1", 填报值="否")
    upload_template(page, wb)
    expect_flash(page, "已导入 5 项指标")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 5 项指标")
    assert cast.dialogs[-1].startswith("提交后不能再修改")
    # Nothing is left to hand in: no upload, no 提交, a status text and the withdrawal instead.
    expect(page.get_by_role("button", name="上传填好的模板")).to_have_count(0)
    expect(page.get_by_role("button", name="提交自评")).to_have_count(0)
    expect(page.locator(".toolbar")).to_contain_text("全部指标已提交，无需再上传模板")
    expect(page.locator(".submit-box")).to_contain_text("全部指标已提交，等待督查核查")
    expect(page.get_by_role("button", name="撤回此项")).to_have_count(5)
    expect(page.get_by_role("button", name="撤回提交")).to_be_visible()
    shoot(page, "selfreport-all-submitted")


def test_reporter_withdraws_one_item_and_hands_it_in_again(act, story, cast):
    page = act(REPORTER)
    page.goto(story["unit_page"])
    page.locator("#item-A2").get_by_role("button", name="撤回此项").click()
    expect_flash(page, "已撤回 A2，可修改后重新提交")
    assert cast.dialogs[-1] == "撤回 A2 后可修改，修改后须重新提交。确认撤回？"
    expect(page.locator("#item-A2 header .tag")).to_have_text("草稿")
    expect(page.get_by_role("button", name="上传填好的模板")).to_be_visible()
    shoot(page, "selfreport-withdrawn")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 1 项指标")
    expect(page.locator("#item-A2 header .tag")).to_have_text("已提交")


def test_inspector_returns_a2_and_verifies_a1(act, story):
    page = act("inspector")
    page.goto(story["cycle"])
    page.get_by_role("link", name="核查队列").click()
    story["queue"] = page.url
    page.locator("tbody tr", has_text="A2 协调会次数").get_by_role("link", name="核查").click()
    page.get_by_label("退回原因", exact=True).fill(RETURN_REASON)
    page.get_by_role("button", name="退回单位修改").click()
    expect_flash(page, "已退回 A2")
    page.goto(story["queue"])  # a decision opens the next item in the queue; A1 came before
    page.locator("tbody tr", has_text="A1 政策知晓率").get_by_role("link", name="核查").click()
    page.get_by_role("button", name="核定通过").click()
    expect_flash(page, "已核定 A1")


def test_a_withdrawal_after_the_inspector_acted_is_refused_with_what_was_done(act, story):
    reporter = act(REPORTER)
    reporter.goto(story["unit_page"])  # built while B1 still waits for an inspector
    expect(reporter.locator("#item-B1").get_by_role("button", name="撤回此项")).to_be_visible()
    inspector = act("inspector")
    inspector.goto(story["queue"])
    row = inspector.locator("tbody tr", has_text="B1 工作机制评价")
    row.get_by_role("link", name="核查").click()
    inspector.get_by_role("button", name="核定通过").click()
    expect_flash(inspector, "已核定 B1")

    reporter.locator("#item-B1").get_by_role("button", name="撤回此项").click()
    message = reporter.locator(".flash-error[role=status]")
    expect(message).to_contain_text("B1 未撤回：B1 已由 督查组 李明 于")
    expect(message).to_contain_text("核定，不能撤回")
    expect(reporter.locator("#item-B1 header .tag")).to_have_text("已核定")
    shoot(reporter, "selfreport-withdraw-refused")


def test_template_after_the_return_imports_the_returned_row_and_skips_the_locked(act, story):
    page = act(REPORTER)
    page.goto(story["unit_page"])
    wb = download_template(page)
    ws = wb.active
    status = {row[0].value: row[9].value for row in ws.iter_rows(min_row=2)}
    assert status == {
        "A1": "已核定，不能修改",
        "A2": f"已退回：{RETURN_REASON}",
        "B1": "已核定，不能修改",
        "X1": "已提交，不能修改",
        "V1": "已提交，不能修改",
    }
    assert ws.protection.sheet
    fill_template(ws, "A2", 填报值=5, 情况说明="已补充台账")
    fill_template(ws, "A1", 分子=1)  # a locked row: whatever it says is not imported
    upload_template(page, wb)
    expect_flash(page, "已导入 1 项指标")
    expect(page.locator(".flash-warning")).to_contain_text(
        "已跳过 4 项已提交或已核定的指标（不能修改）：A1（已核定）、B1（已核定）、X1（已提交）、V1（已提交）"
    )
    expect(page.locator("#item-A2 input[name=value-A2]")).to_have_value("5")
    shoot(page, "selfreport-import-skipped")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 1 项指标")


def test_inspector_demands_a_rectification(act, story):
    page = act("inspector")
    page.goto(story["unit_page"])
    page.locator("summary", has_text="下发整改要求").click()
    page.get_by_label("相关指标").select_option("A2")
    page.get_by_label("整改要求", exact=True).fill(DEMAND)
    page.get_by_label("整改期限").fill("2099-06-30")
    page.get_by_role("button", name="下发", exact=True).click()
    expect_flash(page, "整改")


def test_reporter_answers_with_evidence_and_deletes_a_file_after_confirming(act, story, cast):
    page = act(REPORTER)
    page.goto(story["unit_page"])
    rect = page.locator("section.item", has_text=DEMAND)
    rect.get_by_label("整改情况").fill("已补齐 3 次协调会议纪要")
    rect.locator("input[type=file]").set_input_files(
        files=[
            {"name": PHOTO, "mimeType": "image/png", "buffer": png_bytes()},
            {"name": "多余的照片.png", "mimeType": "image/png", "buffer": png_bytes()},
        ]
    )
    rect.get_by_role("button", name="报送整改情况").click()
    expect_flash(page, "整改情况已报送，上传佐证材料 2 份")
    rect = page.locator("section.item", has_text=DEMAND)
    expect(rect.locator("ul.evidence li")).to_have_count(2)
    rect.locator("ul.evidence li", has_text="多余的照片.png").get_by_role(
        "button", name="删除"
    ).click()
    expect_flash(page, "已删除佐证材料 多余的照片.png")
    assert cast.dialogs[-1] == "确认删除佐证材料“多余的照片.png”？"
    rect = page.locator("section.item", has_text=DEMAND)
    expect(rect.locator("ul.evidence li")).to_have_count(1)
    expect(rect).to_contain_text(PHOTO)
    shoot(page, "selfreport-rectification-answered")


def test_a_delete_without_javascript_still_deletes(cast, story):
    context = cast.browser.new_context(
        base_url=cast.base_url, locale="zh-CN", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.get_by_label("用户名", exact=True).fill(REPORTER)
        page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(story["unit_page"])
        rect = page.locator("section.item", has_text=DEMAND)
        rect.locator("input[type=file]").set_input_files(
            files=[{"name": "无脚本.png", "mimeType": "image/png", "buffer": png_bytes()}]
        )
        rect.get_by_role("button", name="报送整改情况").click()
        expect_flash(page, "上传佐证材料 1 份")
        rect = page.locator("section.item", has_text=DEMAND)
        rect.locator("ul.evidence li", has_text="无脚本.png").get_by_role(
            "button", name="删除"
        ).click()
        expect_flash(page, "已删除佐证材料 无脚本.png")
        expect(
            page.locator("section.item", has_text=DEMAND).locator("ul.evidence li")
        ).to_have_count(1)
    finally:
        context.close()


def test_inspector_reads_the_answer_and_opens_its_evidence(act, story):
    page = act("inspector")
    page.goto(story["unit_page"])
    rect = page.locator("section.item", has_text=DEMAND)
    expect(rect).to_contain_text("已补齐 3 次协调会议纪要")
    link = rect.get_by_role("link", name=PHOTO)
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "image/png"
    # The inspector may read but not delete the unit's files.
    expect(rect.get_by_role("button", name="删除")).to_have_count(0)
    shoot(page, "selfreport-rectification-inspector")


def test_no_browser_errors(cast):
    """No script error and no console error (CSP violations among them) on any page."""
    assert [e for e in cast.errors if not re.search(r"404 \(NOT FOUND\)", e)] == []
