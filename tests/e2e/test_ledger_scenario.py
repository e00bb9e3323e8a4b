"""The claimed-vs-verified ledger (核减台账) in a real browser: 惠济区 hands in, the inspector
verifies its A1 at 81/100 instead of the 90/100 it reported, the office publishes, and a
leader finds the ledger in the navigation, filters it, reads the heat map's data table and
the totals, and downloads the workbook; a reporter has no ledger. Screenshots at 1366×900
and 390×844 go to ``ASSESS_SHOTS`` (default /tmp/ledger-shots/)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.cycle_helpers import SET_PATH
from tests.e2e.ui import (
    confirm_and_publish,
    download,
    handed_in_for_review,
    shoot,
    verify_item,
)

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

CYCLE, YEAR = "2033年度核减台账测试", "2033"
REPORTER, UNIT = "r-410108", "惠济区"
REASON = "抽样问卷中 9 份无效"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/tmp/ledger-shots"))


def test_the_unit_hands_in_and_the_inspector_reduces_a1(act, story):
    admin = act("admin")
    story["cycle"] = handed_in_for_review(admin, act(REPORTER), CYCLE, YEAR, SET_PATH)
    verify_item(act("inspector"), story["cycle"], UNIT, "A1 政策知晓率", "81/100", REASON)


def test_the_office_publishes(act, story):
    admin = act("admin")
    admin.goto(story["cycle"])
    admin.get_by_role("link", name="发布前检查并发布").click()
    confirm_and_publish(admin, "浏览器测试：仅惠济区参加")


def test_a_leader_reads_the_ledger(act, story):
    page = act("viewer")
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="核减台账").click()
    expect(page.locator("h1")).to_contain_text("核减台账")
    filters = page.locator("form.filters")
    filters.get_by_label("年度", exact=True).select_option(YEAR)
    filters.get_by_role("button", name="筛选").click()
    filters.get_by_label("单位", exact=True).select_option(label=UNIT)
    filters.get_by_label("仅看核减项").check()
    filters.get_by_role("button", name="筛选").click()
    expect(page.locator("h1")).to_contain_text(f"{YEAR}年度")
    line = page.locator("table.ledger tbody tr")
    expect(line).to_have_count(1)
    # 90 % claimed, 81 % verified: 9 points less, 9/90 = 10 % reduced
    expect(line).to_contain_text("A1 政策知晓率")
    expect(line).to_contain_text("9.00")
    expect(line).to_contain_text("10.00%")
    expect(line).to_contain_text(REASON)
    figure = page.locator("#ledger-heatmap")
    expect(figure.get_by_role("img")).to_have_accessible_name(f"{YEAR}年度各单位各项指标核减率")
    figure.get_by_text("数据表").click()
    expect(figure.locator("table")).to_contain_text("10.00")
    shoot(page, SHOTS, "ledger")
    data = download(page, page.get_by_role("link", name="导出台账（Excel）"))
    rows = list(load_workbook(io.BytesIO(data))["核减台账"].iter_rows(values_only=True))
    assert [(r[0], r[2], r[3], r[7], r[8]) for r in rows[1:]] == [(int(YEAR), UNIT, "A1", 9, 10)]


def test_a_reporter_has_no_ledger(act):
    page = act(REPORTER)
    page.goto("/")
    expect(page.get_by_role("navigation").get_by_role("link", name="核减台账")).to_have_count(0)
    assert page.request.get("/ledger/").status == 403
