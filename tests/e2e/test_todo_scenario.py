"""The home page's to-dos (待办) in a real browser: the office opens a cycle, 惠济区's
reporter finds it on the home page with its three items to fill and follows 去填报, hands
in; the inspector returns one item with a reason, and the reporter's home shows the
returned item with that reason, linking to the item. Each role's home is shot at 1366×900
and 390×844 into ``ASSESS_SHOTS`` (default /work/shots/todo/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.cycle_helpers import SET_PATH
from tests.e2e.ui import create_cycle, hand_in_test_set, return_a2, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE = "2032年度待办测试"
REPORTER, UNIT = "r-410108", "惠济区"
REASON = "协调会签到表缺失，请补充后重新提交"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/todo"))


def cycle_card(page):
    """The reporter's to-do card of this scenario's cycle."""
    return page.locator("article.todo-card", has=page.get_by_role("link", name=CYCLE))


def test_admin_creates_and_opens_the_cycle(act, story):
    story["cycle"] = create_cycle(act("admin"), CYCLE, year="2032", set_file=SET_PATH)


def test_the_reporter_finds_the_cycle_on_the_home_page(act, story):
    page = act(REPORTER)
    page.goto("/")
    card = cycle_card(page)
    expect(card).to_contain_text("自评截止 2099-12-31")
    expect(card.locator(".stats li").first).to_have_text(re.compile(r"^\s*3\s*项指标待填报\s*$"))
    card.get_by_role("link", name="去填报").click()
    expect(page.locator("h1")).to_contain_text(UNIT)
    story["unit_page"] = page.url
    hand_in_test_set(page)


def test_the_inspector_returns_one_item(act, story):
    page = act("inspector")
    page.goto("/")
    expect(page.locator("#todo-inspect")).to_have_text("核查待办")
    return_a2(page, story["cycle"], UNIT, REASON)


def test_the_returned_item_shows_on_the_reporters_home_with_its_reason(act, story):
    page = act(REPORTER)
    page.goto("/")
    card = cycle_card(page)
    expect(card.locator(".stats li").nth(1)).to_have_text(re.compile(r"^\s*1\s*项被退回待修改\s*$"))
    returned = card.locator(".todo-list li", has_text="A2 协调会次数")
    expect(returned.locator(".todo-reason")).to_have_text(f"退回原因：{REASON}")
    shoot(page, SHOTS, "reporter")
    returned.get_by_role("link", name="A2 协调会次数").click()
    expect(page).to_have_url(re.compile(re.escape(story["unit_page"]) + "#item-A2$"))
    expect(page.locator("#item-A2 header .tag")).to_have_text("已退回")


@pytest.mark.parametrize("who", ["admin", "inspector", "viewer"])
def test_each_roles_home(act, who):
    page = act(who)
    page.goto("/")
    expect(page.locator("h1")).to_have_text("工作台")
    heading = {"admin": "#todo-office", "inspector": "#todo-inspect", "viewer": "#todo-results"}
    expect(page.locator(heading[who])).to_be_visible()
    if who == "admin":
        card = page.locator("article.todo-card", has=page.get_by_role("link", name=CYCLE))
        expect(card.locator("table")).to_contain_text(UNIT)
    # nothing on the page is wider than a phone's screen
    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"{who}'s home is {wide}px wide at 390px"
    shoot(page, SHOTS, who)
