"""An appeal round trip (复核申诉) in a real browser: 惠济区 hands in, the office publishes, the
unit appeals its A1 score from its result page with a reason and evidence, the inspector
upholds it with a corrected verified value (核定值), the office republishes with the
reason offered (申诉复核), and the reporter reads the answer, the new score of the second
publication and the bell. Screenshots go to ``ASSESS_SHOTS`` (default /work/shots/appeals/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import SET_PATH, pdf_bytes
from tests.e2e.ui import confirm_and_publish, expect_flash, handed_in_for_review, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2032年度复核申诉测试"
REPORTER, UNIT = "r-410108", "惠济区"
REASON = "抽样调查实际知晓 95 人，汇总表录入有误"
ANSWER = "核对原始问卷，知晓率应为 95%，申诉成立"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/appeals"))


def a1_score(page: Page) -> str:
    row = page.locator("table.grid tbody tr", has_text="A1 政策知晓率")
    return row.locator("td.num").nth(2).text_content().strip()


def test_the_unit_hands_in_and_the_office_publishes(act, story):
    admin = act("admin")
    story["cycle"] = handed_in_for_review(admin, act(REPORTER), CYCLE, "2032", SET_PATH)
    admin.get_by_role("link", name="发布前检查并发布").click()
    confirm_and_publish(admin, "浏览器测试：仅惠济区参加")


def test_the_reporter_appeals_from_its_result(act, story, tmp_path):
    page = act(REPORTER)
    page.goto("/cycles/")
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位结果").click()
    story["result"] = page.url
    story["score_before"] = a1_score(page)
    page.get_by_role("link", name="提出复核申诉").click()
    expect(page.locator("h1")).to_contain_text(f"复核申诉 · {UNIT}")
    page.get_by_label("A1 政策知晓率", exact=True).check()
    page.get_by_label("申诉理由", exact=True).fill(REASON)
    evidence = tmp_path / "原始问卷汇总.pdf"
    evidence.write_bytes(pdf_bytes(1))
    page.locator("input[type=file][name=files]").set_input_files(str(evidence))
    shoot(page, SHOTS, "file")
    page.get_by_role("button", name="提交复核申诉").click()
    expect_flash(page, "已提出复核申诉 1 项")
    appeal = page.locator("section.item", has_text="A1 政策知晓率")
    expect(appeal.locator(".tag")).to_have_text("待答复")
    expect(appeal.get_by_role("link", name="原始问卷汇总.pdf")).to_be_visible()
    story["appeals"] = page.url


def test_the_inspector_upholds_it(act, story):
    page = act("inspector")
    page.goto("/")
    expect(page.locator("#todo-appeals")).to_be_visible()
    page.goto(story["cycle"])
    page.get_by_role("link", name="复核申诉").click()
    appeal = page.locator("section.item", has_text=UNIT).filter(has_text=REASON)
    appeal.get_by_label("答复结论").select_option("upheld")
    appeal.get_by_label("答复意见").fill(ANSWER)
    appeal.get_by_label("改正后的核定值").fill("95/100")
    shoot(page, SHOTS, "answer")
    appeal.get_by_role("button", name="提交答复").click()
    expect_flash(page, f"已答复 {UNIT} 对 A1 的复核申诉")
    expect(page.locator(".notice", has_text="已有 1 项申诉成立")).to_be_visible()


def test_the_office_republishes_with_the_appeal_reason(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("link", name="发布前检查并重新发布").click()
    expect(page.locator(".notice", has_text="有 1 项复核申诉成立")).to_be_visible()
    expect(page.locator("textarea[name=reason]")).to_have_value("申诉复核")
    for box in page.locator("input[type=checkbox][name^=confirm_]").all():
        box.check()
    page.get_by_label("发布说明（未报送单位的情况，必填，随结果印发）").fill(
        "浏览器测试：仅惠济区参加"
    )
    page.get_by_role("button", name="重新发布结果").click()
    expect_flash(page, "考核周期已转为：结果已公布")


def test_the_reporter_reads_the_answer_the_new_score_and_the_bell(act, story):
    page = act(REPORTER)
    page.goto("/")
    bell = page.locator("a.bell")
    expect(bell).to_have_accessible_name(re.compile(r"消息通知 \d+ 条未读"))
    expect(page.locator(".todo-card", has_text="复核申诉答复")).to_contain_text(ANSWER)
    bell.click()
    items = page.locator("ul.notifications li")
    expect(items.first.get_by_role("link")).to_have_text(
        f"{CYCLE} 考核结果已重新公布，原因：申诉复核"
    )
    expect(items.nth(1).locator(".tag", has_text="复核申诉已答复")).to_be_visible()
    items.nth(1).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/appeals#appeal-\d+$"))
    appeal = page.locator("section.item", has_text="A1 政策知晓率")
    expect(appeal.locator(".tag")).to_have_text("申诉成立")
    expect(appeal).to_contain_text(ANSWER)
    expect(appeal).to_contain_text("核定值 95/100")
    shoot(page, SHOTS, "answered")
    page.goto(story["result"])
    expect(page.locator("p.muted.small", has_text="第 2 次发布")).to_contain_text("申诉复核")
    assert a1_score(page) == "40.00" != story["score_before"]
