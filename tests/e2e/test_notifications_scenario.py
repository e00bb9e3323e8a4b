"""A returned item reaches the reporter (消息通知) in a real browser: 上街区 hands in its
self-report, the inspector returns one item with a reason, and the reporter's bell counts it
(in words, for a screen reader, as well as on the badge); the list shows it unread, newest
first; following it opens the item and marks it read; 全部标为已读 empties the bell.
Screenshots of the bell and the list at 1366×900 and 390×844 go to ``ASSESS_SHOTS``
(default /work/shots/notifications/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.cycle_helpers import SET_PATH
from tests.e2e.ui import create_cycle, expect_flash, hand_in_test_set, return_a2, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2031年度消息通知测试"
REPORTER, UNIT = "r-410106", "上街区"
REASON = "协调会纪要缺失，请补充后重新提交"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/notifications"))


def bell_unread(page: Page) -> int:
    """The bell's unread count, as its text says it (the number on the badge, the words
    beside it hidden for screen readers)."""
    found = re.search(r"(\d+) 条未读", page.locator("a.bell").text_content())
    return int(found[1]) if found else 0


def test_admin_creates_and_opens_the_cycle(act, story):
    story["cycle"] = create_cycle(act("admin"), CYCLE, year="2031", set_file=SET_PATH)


def test_the_reporter_hands_in(act, story):
    page = act(REPORTER)
    page.goto("/")
    story["unread_before"] = bell_unread(page)
    page.goto("/cycles/")
    page.locator("tbody tr", has_text=CYCLE).get_by_role("link", name="本单位自评").click()
    story["unit_page"] = page.url
    hand_in_test_set(page)


def test_the_inspector_returns_one_item(act, story):
    return_a2(act("inspector"), story["cycle"], UNIT, REASON)


def test_the_reporters_bell_and_list_show_it(act, story):
    page = act(REPORTER)
    page.goto("/")
    unread = story["unread_before"] + 1
    bell = page.locator("a.bell")
    expect(bell).to_have_accessible_name(f"消息通知 {unread} 条未读")
    expect(bell.locator(".bell-count")).to_have_text(str(unread))
    shoot(page, SHOTS, "bell")
    bell.click()
    expect(page.locator("h1")).to_have_text("消息通知")
    newest = page.locator("ul.notifications li").first
    expect(newest).to_have_class(re.compile(r"\bunread\b"))
    expect(newest.locator(".unread-tag")).to_have_text("未读")
    expect(newest.locator(".tag", has_text="指标被退回")).to_be_visible()
    expect(newest.get_by_role("link")).to_have_text(
        f"{CYCLE}：指标 A2 协调会次数 被退回修改，退回原因：{REASON}"
    )
    shoot(page, SHOTS, "list")


def test_following_it_opens_the_item_and_marks_it_read(act, story):
    page = act(REPORTER)
    page.goto("/notifications/")
    page.locator("ul.notifications li").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(story["unit_page"]) + "#item-A2$"))
    expect(page.locator("#item-A2 header .tag")).to_have_text("已退回")
    assert bell_unread(page) == story["unread_before"]
    page.goto("/notifications/")
    expect(page.locator("ul.notifications li").first).to_have_class(re.compile(r"\bread\b"))


def test_mark_all_read_empties_the_bell(act, story):
    page = act(REPORTER)
    page.goto("/notifications/")
    if story["unread_before"]:
        page.get_by_role("button", name="全部标为已读").click()
        expect_flash(page, "条消息标为已读")
    expect(page.locator("a.bell")).to_have_accessible_name("消息通知 没有未读消息")
    expect(page.locator("a.bell .bell-count")).to_have_count(0)
    expect(page.locator("ul.notifications li.unread")).to_have_count(0)


def test_the_office_chases_the_unit_by_hand(act, story):
    page = act("admin")
    page.goto(story["cycle"])
    page.get_by_role("link", name="催报").click()
    expect(page.locator("h1")).to_contain_text("催报")
    # the units still owing are ticked to begin with: 上街区 has an item sent back
    expect(page.get_by_label(UNIT, exact=True)).to_be_checked()
    for box in page.locator("input[name=units]").all():
        box.uncheck()
    page.get_by_label(UNIT, exact=True).check()
    page.get_by_label("催报内容", exact=True).fill("请于本周五前补充会议纪要并重新提交")
    shoot(page, SHOTS, "chase")
    page.get_by_role("button", name="发送催报").click()
    expect_flash(page, "已向 1 个单位催报，1 人收到消息")


def test_the_reporter_reads_the_chase(act):
    page = act(REPORTER)
    page.goto("/")
    expect(page.locator("a.bell")).to_have_accessible_name("消息通知 1 条未读")
    page.locator("a.bell").click()
    newest = page.locator("ul.notifications li").first
    expect(newest.locator(".tag", has_text="催报")).to_be_visible()
    expect(newest.get_by_role("link")).to_contain_text("请于本周五前补充会议纪要并重新提交")
