"""A reporter's self-report as one form (自评填报), in a real browser (issue 12, points 1, 2, 6).

The office opens a cycle on the shipped 2012 county set. 中原区's reporter, with scripts off,
sends a page with one bad value: nothing is saved, the summary at the top links to the field,
the cursor is in it, and everything typed is back, the chosen file kept as a pending
attachment; fixed, one 保存全部 saves every item and attaches the file. 保存此项 saves one item
and keeps what was typed in another. With scripts on, typing is saved by itself (已自动保存),
leaving with changes not yet saved asks first, and a file over 20 MB is refused at its field
before anything is sent; with scripts off an oversized post answers with the page and a
message. Last, 管城回族区's reporter fills all 18 items and submits, and the clicks are counted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import pdf_bytes
from tests.e2e.ui import create_cycle, expect_flash

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2027年度自评表单测试"
REPORTER, UNIT = "r-410102", "中原区"
COUNTER = "r-410104"  # fills a whole self-report, counted
SHOTS = Path("/work/shots/selfform")
VIEWPORTS = {"desktop": (1366, 900), "mobile": (390, 844)}
BIG_MB = 21  # over the 20 MB evidence limit
LEAVE_PROMPTED = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


def shoot(page: Page, name: str) -> None:
    """The page at both widths the issue asks for, under /work/shots/selfform/: the view the
    user has now (``-view``), then the whole page from the top."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("document.activeElement?.scrollIntoView({ block: 'center' })")
        page.screenshot(path=str(SHOTS / f"{name}-{label}-view.png"))
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(before)


@pytest.fixture(scope="module")
def nojs(browser, live_server, cast):
    """The reporter in a browser with scripts off: the page must work as plain form posts."""
    context = browser.new_context(
        base_url=live_server,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": 1366, "height": 900},
    )
    page = context.new_page()
    cast._sign_in(page, REPORTER)
    yield page
    context.close()


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory) -> Path:
    """A file just over the limit, on disk (a buffer that large is slow to hand over)."""
    path = tmp_path_factory.mktemp("big") / "扫描件.pdf"
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(BIG_MB * 1024 * 1024)
    return path


def item(page: Page, code: str):
    return page.locator(f"#item-{code}")


def test_admin_opens_a_cycle_on_the_2012_county_set(act, story):
    page = act("admin")
    story["cycle"] = create_cycle(page, CYCLE, year="2027", shipped="zz-2012-county")


def test_unit_page_is_one_form(act, story, nojs):
    nojs.goto("/cycles/")
    nojs.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    expect(nojs.locator("h1")).to_contain_text(UNIT)
    story["page"] = nojs.url
    expect(nojs.locator("form.selfreport")).to_have_count(1)
    expect(nojs.get_by_role("button", name="保存全部")).to_have_count(1)
    expect(nojs.get_by_role("button", name="保存此项")).to_have_count(18)
    # The size limit is named at the field, before anything is uploaded.
    expect(item(nojs, "A2").locator(".hint")).to_contain_text("单个文件不超过 20 MB")
    page = act(REPORTER)
    page.goto(story["page"])
    shoot(page, "unit-page")


def test_a_refused_save_keeps_everything_without_scripts(nojs, story):
    page = nojs
    page.goto(story["page"])
    item(page, "B1").get_by_label("分子").fill("120")  # more than the denominator
    item(page, "B1").get_by_label("分母").fill("100")
    item(page, "B1").get_by_label("情况说明").fill("抽查 100 个社区")
    item(page, "A2").get_by_label("数值").fill("4")
    item(page, "A2").locator("input[type=file]").set_input_files(
        files=[{"name": "协调会纪要.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(1)}]
    )
    item(page, "B2").get_by_label("等级").select_option("优")
    page.get_by_role("button", name="保存全部").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("未保存任何修改")
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("B1")
    assert link.get_attribute("href") == "#numerator-B1"
    expect(page.locator("#numerator-B1")).to_be_focused()
    expect(item(page, "B1").locator(".field-error")).to_be_visible()
    # Nothing lost: values, account, grade and the file, kept on the server by its name.
    expect(page.locator("#numerator-B1")).to_have_value("120")
    expect(page.locator("#narrative-B1")).to_have_value("抽查 100 个社区")
    expect(page.locator("#value-A2")).to_have_value("4")
    expect(page.locator("#value-B2")).to_have_value("优")
    expect(item(page, "A2").locator("ul.pending")).to_contain_text("协调会纪要.pdf")
    expect(item(page, "A2").locator("header .tag").first).to_have_text("未填报")
    shoot(page, "refused-save")

    page.locator("#numerator-B1").fill("90")
    page.get_by_role("button", name="保存全部").click()
    expect_flash(page, "A2、B1、B2 已保存，上传佐证材料 1 份")
    expect(item(page, "A2").locator("ul.evidence li")).to_contain_text("协调会纪要.pdf")
    expect(item(page, "A2").locator("ul.pending")).to_have_count(0)
    expect(page.locator(".progress-line")).to_contain_text("已填 3 项，有佐证材料 1 项")

    # Deleting a saved file keeps what is typed meanwhile.
    page.locator("#narrative-A2").fill("每季度召开一次")
    item(page, "A2").get_by_role("button", name="删除 协调会纪要.pdf").click()
    expect(page.locator(".flash-success")).to_contain_text("已删除佐证材料 协调会纪要.pdf")
    expect(page.locator("#narrative-A2")).to_have_value("每季度召开一次")
    expect(item(page, "A2").locator("ul.evidence")).to_have_count(0)
    page.get_by_role("button", name="保存全部").click()
    expect_flash(page, "A2 已保存")


def test_save_one_item_keeps_the_others_without_scripts(nojs, story):
    page = nojs
    page.goto(story["page"])
    item(page, "A3").get_by_label("情况说明").fill("经费已列入预算，文件待补")
    item(page, "A2").get_by_label("数值").fill("5")
    item(page, "A2").get_by_role("button", name="保存此项").click()
    expect(page.locator(".flash-success")).to_contain_text("A2 已保存")
    expect(page.locator(".flash-warning")).to_contain_text("其他 1 项指标的修改尚未保存")
    expect(page.locator("#narrative-A3")).to_have_value("经费已列入预算，文件待补")
    expect(item(page, "A3").locator("header")).to_contain_text("未保存")
    expect(page.locator("#value-A2")).to_have_value("5")


def test_typing_is_saved_by_itself_and_leaving_unsaved_asks(act, story):
    page = act(REPORTER)
    page.goto(story["page"])
    assert page.evaluate(LEAVE_PROMPTED) is False  # nothing typed yet
    item(page, "G1").get_by_label("数值").fill("2")
    assert page.evaluate(LEAVE_PROMPTED) is True  # typed, not yet saved
    status = page.locator(".autosave-status")
    expect(status).to_have_text(re.compile(r"已自动保存 \d\d:\d\d"))
    assert page.evaluate(LEAVE_PROMPTED) is False
    page.reload()
    expect(page.locator("#value-G1")).to_have_value("2")
    expect(item(page, "G1").locator("header .tag").first).to_have_text("草稿")
    # A value refused while typing says why, and the page still holds it.
    item(page, "D1").get_by_label("分子").fill("200")
    item(page, "D1").get_by_label("分母").fill("100")
    expect(status).to_contain_text("未自动保存")
    assert page.evaluate(LEAVE_PROMPTED) is True
    item(page, "D1").get_by_label("分子").fill("80")
    expect(status).to_have_text(re.compile(r"已自动保存"))
    shoot(page, "autosaved")
    page.reload()
    expect(page.locator("#numerator-D1")).to_have_value("80")


def test_an_oversized_file_is_refused_at_its_field(act, story, big_pdf):
    page = act(REPORTER)
    page.goto(story["page"])
    page.locator("#narrative-C1").fill("覆盖全部社区")
    page.locator("#files-C1").set_input_files(big_pdf)
    note = item(page, "C1").locator(".field-error")
    expect(note).to_contain_text("扫描件.pdf")
    expect(note).to_contain_text("20 MB")
    expect(page.locator("#files-C1")).to_be_focused()
    assert page.locator("#files-C1").evaluate("input => input.files.length") == 0
    expect(page.locator("#narrative-C1")).to_have_value("覆盖全部社区")
    shoot(page, "file-too-large")

    # Two files each within the limit but together over what one post may carry: refused
    # in the page, nothing sent.
    half = big_pdf.with_name("半份.pdf")
    with half.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(11 * 1024 * 1024)
    page.locator("#files-C1").set_input_files(half)
    page.locator("#files-C2").set_input_files(half)
    url = page.url
    page.get_by_role("button", name="保存全部").click()
    refusal = page.locator(".submit-refusal")
    expect(refusal).to_contain_text("合计超过 21 MB")
    assert page.url == url
    expect(page.locator("#narrative-C1")).to_have_value("覆盖全部社区")
    # An autosave landing after the refusal (the narrative typed above) leaves it in view.
    page.locator("#narrative-C1").fill("覆盖全部社区。")
    expect(page.locator(".autosave-status")).to_contain_text("已自动保存")
    expect(refusal).to_contain_text("合计超过 21 MB")
    # Choosing fewer files takes the refusal away.
    page.locator("#files-C2").set_input_files([])
    expect(refusal).to_be_hidden()


def test_an_oversized_post_answers_with_the_page_without_scripts(nojs, story, big_pdf):
    page = nojs
    page.goto(story["page"])
    page.locator("#value-E1").fill("480")
    page.locator("#files-E1").set_input_files(big_pdf)
    page.get_by_role("button", name="保存全部").click()
    message = page.locator(".flash-error")
    expect(message).to_contain_text("服务器未接收")
    expect(message).to_contain_text("单个佐证材料不超过 20 MB")
    expect(page.locator("form.selfreport")).to_have_count(1)
    expect(page.locator("#value-A2")).to_have_value("5")  # the page as last saved
    shoot(page, "post-too-large")


def test_a_whole_self_report_counted(act, story, cast, capsys):
    """18 items of the 2012 county set filled and submitted: each field reached by a click,
    a select counted as two (open, choose), every button and confirmation one."""
    page = act(COUNTER)
    clicks, loads = 0, []
    page.on("load", lambda p: loads.append(p.url))
    page.goto("/cycles/")
    loads.clear()  # counting starts on the cycle list
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    clicks += 1
    expect(page.locator("h1")).to_contain_text("管城回族区")
    for section in page.locator("section.item[data-code]").all():
        if section.locator("select").count():
            section.locator("select").select_option(index=1)
            clicks += 2
        elif section.locator(".rate-num").count():
            section.locator(".rate-num").fill("90")
            section.locator(".rate-den").fill("100")
            clicks += 2
        else:
            section.locator("input[type=number]").fill("4")
            clicks += 1
    page.get_by_role("button", name="保存全部").click()
    clicks += 1
    expect(page.locator(".flash-success").first).to_contain_text("已保存")
    page.get_by_role("button", name="提交自评").click()
    clicks += 2  # the button and its confirmation
    expect_flash(page, "已提交 18 项指标")
    with capsys.disabled():
        print(f"\nwhole self-report by web form: {clicks} clicks, {len(loads)} page loads")
    assert clicks <= 40 and len(loads) <= 3, (clicks, loads)


def test_no_browser_errors(cast):
    assert cast.errors == []
