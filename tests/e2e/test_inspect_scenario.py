"""The inspector's season in a real browser (督查核查), for volume: two counties hand in 18
indicators each through the fill-in workbook, with a PDF and a photo as evidence; the
inspector filters the queue, steps through it with the keyboard beside the evidence
previews (a photo's thumbnail, a PDF's first page), is refused a deduction that would take
nothing off, double-clicks without a conflict, and verifies a whole unit of 18 items in a
handful of clicks (counted). Screenshots of each page at 1366×900 and 390×844 go to
``ASSESS_SHOTS`` (default /work/shots/inspect/)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import png_bytes, printed_pdf_bytes
from tests.e2e.ui import create_cycle, download, expect_flash

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

SET_PATH = Path(__file__).parent.parent / "data" / "inspect_set.yaml"
CYCLE = "2027年度核查队列测试"
UNITS = {"r-410105": "金水区", "r-410102": "中原区"}
CODES = [f"{c}{n}" for c in "ABC" for n in range(1, 7)]
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/inspect"))
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def shoot(page: Page, name: str) -> None:
    """The page as it is, at both sizes, then back to the size it had."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(before)


class Clicks:
    """Counts what a person does on the page: clicks, choices in a list, key presses."""

    def __init__(self, page: Page):
        self.page, self.count, self.loads = page, 0, 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def select(self, locator, label: str) -> None:
        self.count += 1
        locator.select_option(label=label)

    def stop(self) -> None:
        self.page.remove_listener("load", self._loaded)


def test_admin_creates_and_opens_the_cycle(act, story):
    page = act("admin")
    story["cycle"] = create_cycle(page, CYCLE, year="2027", set_file=SET_PATH)


@pytest.mark.parametrize("reporter", list(UNITS))
def test_a_county_hands_in_eighteen_items(act, story, reporter):
    page = act(reporter)
    page.goto("/cycles/")
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    story[f"unit_page:{reporter}"] = page.url
    workbook = openpyxl.load_workbook(
        io.BytesIO(download(page, page.get_by_role("link", name="下载 Excel 填报模板")))
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    code_col, value_col = header.index("指标编码") + 1, header.index("填报值") + 1
    for row in range(2, sheet.max_row + 1):
        code = sheet.cell(row, code_col).value
        # 中原区 held one meeting where four were asked for: A1 scores 0.
        low = reporter == "r-410102" and code == "A1"
        sheet.cell(row, value_col).value = 1 if low else 4 + CODES.index(code) % 3
    out = io.BytesIO()
    workbook.save(out)
    page.locator("input[name=workbook]").set_input_files(
        files=[
            {"name": "自评.xlsx", "mimeType": "application/octet-stream", "buffer": out.getvalue()}
        ]
    )
    page.get_by_role("button", name="上传填好的模板").click()
    expect_flash(page, "已导入 18 项指标")
    if reporter == "r-410105":
        for code, name, mime, data in [
            ("A1", "宣传台账.pdf", "application/pdf", printed_pdf_bytes()),
            ("A2", "现场照片.png", "image/png", png_bytes()),
        ]:
            item = page.locator(f"#item-{code}")
            item.locator("input[type=file]").set_input_files(
                files=[{"name": name, "mimeType": mime, "buffer": data}]
            )
            item.get_by_role("button", name="保存此项").click()
            expect_flash(page, f"{code} 已保存")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 18 项指标")


def test_inspector_filters_the_queue_and_the_filter_stays(act, story):
    page = act("inspector")
    page.goto(story["cycle"])
    page.get_by_role("link", name="核查队列").click()
    expect(page.locator(".tabs a.active")).to_contain_text("待核查 36")
    page.get_by_label("单位", exact=True).select_option(label="金水区")
    page.get_by_label("类别", exact=True).select_option(label="宣传教育服务")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("A1 政策宣传次数")
    shoot(page, "queue")
    # The filter survives a review page and the way back.
    rows.first.get_by_role("link", name="核查").click()
    expect(page.locator(".item-nav")).to_contain_text("第 1 / 6 项")
    page.get_by_role("link", name="返回队列").click()
    expect(page.get_by_label("类别", exact=True)).to_have_value("A")
    expect(rows).to_have_count(6)


def test_inspector_sees_evidence_previews_and_steps_with_the_keyboard(act, story):
    page = act("inspector")
    page.locator("table.queue tbody tr").first.get_by_role("link", name="核查").click()
    expect(page.locator("h1")).to_contain_text("金水区 · A1")
    preview = page.locator(".review-evidence li", has_text="宣传台账.pdf").locator("img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator(".review-evidence")).to_contain_text("预览为第 1 页")
    expect(page.locator(".shortcuts")).to_contain_text("J")
    shoot(page, "review")
    story["first_item"] = page.url

    page.keyboard.press("j")
    expect(page.locator("h1")).to_contain_text("金水区 · A2")
    photo = page.locator(".review-evidence li", has_text="现场照片.png").locator("img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    page.keyboard.press("k")
    expect(page.locator("h1")).to_contain_text("金水区 · A1")
    # Typing in a field is typing, not a shortcut.
    page.get_by_label("核定理由", exact=True).press("j")
    expect(page.locator("h1")).to_contain_text("金水区 · A1")


def test_a_deduction_on_an_item_at_zero_is_refused(act, story):
    page = act("inspector")
    unit_filter = page.locator(".queue-filters")
    page.goto(story["cycle"].rstrip("/") + "/inspection/")
    unit_filter.get_by_label("单位", exact=True).select_option(label="中原区")
    unit_filter.get_by_role("button", name="筛选").click()
    page.locator("table.queue tbody tr", has_text="A1 政策宣传次数").get_by_role(
        "link", name="核查"
    ).click()
    page.get_by_label("扣分", exact=True).fill("2")
    page.get_by_label("扣分原因", exact=True).fill("台账不全")
    page.get_by_role("button", name="核定通过").click()
    expect(page.locator(".flash-error")).to_contain_text("得分为 0，扣分不起作用")
    expect(page.locator("h1")).to_contain_text("中原区 · A1")
    expect(page.get_by_label("扣分原因", exact=True)).to_have_value("台账不全")  # kept


def test_a_double_click_verifies_once_without_a_conflict(act, story):
    page = act("inspector")
    page.get_by_label("扣分", exact=True).fill("")
    page.get_by_label("扣分原因", exact=True).fill("")
    page.get_by_role("button", name="核定通过").dblclick()
    expect(page.locator("h1")).to_contain_text("中原区 · A2")  # on to the next item
    expect(page.locator(".flash-error")).to_have_count(0)
    expect_flash(page, "已核定 A1")
    # V verifies as reported and goes on, item by item (on a page no second request of the
    # double click can still replace).
    page.reload()
    page.keyboard.press("v")
    expect(page.locator("h1")).to_contain_text("中原区 · A3")
    expect_flash(page, "已核定 A2")


def test_a_whole_unit_verified_in_a_handful_of_clicks(act, story):
    page = act("inspector")
    page.goto(story["cycle"])
    clicks = Clicks(page)
    clicks.click(page.get_by_role("link", name="核查队列"))
    clicks.select(page.get_by_label("单位", exact=True), "金水区")
    clicks.click(page.get_by_role("button", name="筛选"))
    expect(page.locator("table.queue tbody tr")).to_have_count(18)
    clicks.click(page.get_by_label("全选本页待核查指标"))
    clicks.click(page.get_by_role("button", name="所选指标核定无误"))
    expect(page.get_by_role("button", name="确认核定 18 项")).to_be_visible()
    shoot(page, "confirm")
    clicks.click(page.get_by_role("button", name="确认核定 18 项"))
    expect_flash(page, "已核定无误 18 项")
    expect(page.locator("tbody")).to_contain_text("没有待处理的指标")
    clicks.stop()
    shoot(page, "queue-done")
    print(f"\ninspector, one unit of 18 items: {clicks.count} clicks, {clicks.loads} page loads")
    story["clicks"] = clicks.count
    assert clicks.count < 30
    page.get_by_role("link", name="已核定").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(18)


def test_without_javascript_the_rest_of_a_unit_in_under_thirty_clicks(cast, story):
    """No script: no 全选 box and no shortcuts, each item ticked by hand; still one
    confirmation page, and 中原区's 16 remaining items take fewer than 30 clicks."""
    context = cast.browser.new_context(base_url=cast.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        cast._sign_in(page, "inspector")
        page.goto(story["cycle"])
        clicks = Clicks(page)
        clicks.click(page.get_by_role("link", name="核查队列"))
        clicks.select(page.get_by_label("单位", exact=True), "中原区")
        clicks.click(page.get_by_role("button", name="筛选"))
        expect(page.get_by_label("全选本页待核查指标")).to_be_hidden()
        boxes = page.locator("input[name=item]")
        expect(boxes).to_have_count(16)
        for n in range(16):
            clicks.click(boxes.nth(n))
        clicks.click(page.get_by_role("button", name="所选指标核定无误"))
        clicks.click(page.get_by_role("button", name="确认核定 16 项"))
        expect_flash(page, "已核定无误 16 项")
        clicks.stop()
        print(f"\nwithout JavaScript, 16 items: {clicks.count} clicks, {clicks.loads} page loads")
        assert clicks.count < 30
    finally:
        context.close()


def test_no_browser_errors(cast):
    assert cast.errors == []
