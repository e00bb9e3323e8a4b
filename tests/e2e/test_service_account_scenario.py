"""Service accounts (服务账号) in a real browser (issue 18): the office connects another
system to the API without lending anyone's personal token.

The office goes from 用户管理 to 服务账号, is refused an account without its purpose, makes
one for the provincial platform as a leader (查看), gives it a read token (shown once), and
the platform reads the unit tree with it. The office then disables the account: the same
token is refused at once, and the page says so. Every page is photographed at 1366×900 and
390×844 into ``/work/shots/service/`` (``ASSESS_SHOTS`` overrides).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.ui import expect_flash
from tests.e2e.ui import shoot as ui_shoot

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

PURPOSE = "省级流动人口信息平台（数据对接）"
SHOTS = Path(os.environ.get("ASSESS_SHOTS", "/work/shots/service"))


def shoot(page: Page, name: str) -> None:
    ui_shoot(page, SHOTS, name)


def test_office_makes_a_service_account(act, story):
    page = act("admin")
    page.goto("/")
    page.locator(".mainnav").get_by_role("link", name="用户管理").click()
    page.get_by_role("link", name="服务账号").click()
    expect(page.locator("h1")).to_have_text("服务账号")

    page.get_by_label("账号名", exact=True).fill("province-info")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page.locator(".field.has-error")).to_contain_text("必填")
    shoot(page, "service-refused")

    page.get_by_label("用途（对接的系统）", exact=True).fill(PURPOSE)
    page.get_by_label("角色", exact=True).select_option(label="领导（查看）")
    page.get_by_role("button", name="创建", exact=True).click()
    expect_flash(page, "已创建服务账号")
    expect(page.locator("h1")).to_have_text(PURPOSE)
    story["account"] = page.url


def test_office_gives_it_a_read_token_shown_once(act, story):
    page = act("admin")
    page.goto(story["account"])
    page.get_by_label("令牌名称", exact=True).fill("省平台每日同步")
    page.get_by_role("button", name="创建", exact=True).click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("assess_")
    expect(page.locator("table", has_text="省平台每日同步")).to_contain_text("只读")
    shoot(page, "service-token")
    story["secret"] = secret
    page.goto(story["account"])  # read again (not a reload: that would post the form again)
    expect(page.locator("#new-token")).to_have_count(0)


def test_the_platform_reads_with_it_until_the_office_disables_it(act, story):
    page = act("admin")
    bearer = {"Authorization": f"Bearer {story['secret']}"}
    answer = page.request.get("/api/v1/units", headers=bearer)
    assert answer.status == 200 and answer.json()["items"]

    page.goto(story["account"])
    expect(page.locator("table", has_text="省平台每日同步")).not_to_contain_text("从未使用")
    page.get_by_role("button", name="停用（令牌随即失效）").click()
    expect_flash(page, "服务账号已停用，其令牌随即失效")
    shoot(page, "service-disabled")
    assert page.request.get("/api/v1/cycles", headers=bearer).status == 401

    page.get_by_role("link", name="服务账号").first.click()
    expect(page.locator("tr", has_text=PURPOSE)).to_contain_text("已停用")
    shoot(page, "service-list")
