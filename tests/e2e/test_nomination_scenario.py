"""A ten-types-of-models nomination round in a real browser, as its users live it (SPEC §5).

The office creates two review-panel accounts (one works for 金水区, so it must never see
金水区's nominations), opens a round whose window includes today with the default categories,
cuts the score sheet to three criteria (a sheet that does not add up to 100 is refused) and
a cut line of 3 from 2 reviews each. Reporters of 金水区, 二七区 and 市教育局 nominate four
nominees with deeds and a PDF; a reporter of another unit cannot open them. The office moves
the window's end to yesterday (the app allows it until reviewers are assigned), assigns the
reviewers automatically and can no longer reopen the window. The reviewers score every
criterion with a comment: blind until they submit, and the 金水区 reviewer gets 404 for its
own unit's nominations. Two nominees tie at the cut line; the office ranks, records the
panel's decision for both, confirms the award list; a leader opens the list and downloads
its PDF and Excel. Each test is one step; they run in order.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pdfminer.high_level import extract_text
from playwright.sync_api import Locator, Page, expect

from assess.demo.units import DEMO_PASSWORD
from assess.nominations.rounds import today
from tests.cycle_helpers import pdf_bytes
from tests.e2e.ui import download, expect_flash, open_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.scenario]

YEAR = today().year
TITLE = f"{YEAR}年度十类典型评选（浏览器测试）"
# Panel accounts the office creates; the inspector of the demo joins them on the panel.
EXPERT_OWN, EXPERT_OWN_NAME, EXPERT_OWN_UNIT = "e2e-expert-jinshui", "张建华", "金水区（410105）"
EXPERT_FREE, EXPERT_FREE_NAME = "e2e-expert-city", "赵丽萍"
INSPECTOR_NAME = "督查组 李明"

# The score sheet after the office's edit: name, weight (the default sheet's rows 1, 2, 5).
CRITERIA = (("事迹真实典型", 40), ("工作成效显著", 40), ("材料规范完整", 20))


@dataclass(frozen=True)
class Nominee:
    key: str
    reporter: str
    unit: str
    category: str
    name: str
    work_unit: str = ""
    position: str = ""
    # The totals its first and its second reviewer give: its score is their mean.
    totals: tuple[int, ...] = ()


NOMINEES = (
    Nominee("jinshui", "r-410105", "金水区", "先进县(市、区)", "金水区", totals=(92, 88)),
    Nominee(
        "erqi", "r-410103", "二七区", "先进乡(镇、办)", "二七区淮河路街道办事处", totals=(87, 83)
    ),
    Nominee("school", "r-dept-jyj", "市教育局", "先进学校", "郑州市第七十三中学", totals=(84, 80)),
    # 82.00 like the school, same median, no score of 90: tied across the cut line of 3.
    Nominee(
        "worker",
        "r-410105",
        "金水区",
        "优秀外来务工人员",
        "张春梅",
        work_unit="郑州丹尼斯百货有限公司花园路店",
        position="营业员",
        totals=(83, 81),
    ),
)
BY_KEY = {n.key: n for n in NOMINEES}
BY_NAME = {n.name: n for n in NOMINEES}
EVIDENCE = "事迹佐证材料.pdf"
DECISIONS = {
    "school": ("入选", "评审会表决 5 票赞成 2 票反对"),
    "worker": ("不入选", "评审会表决 2 票赞成 5 票反对"),
}


def points(total: int) -> list[int]:
    """A reviewer's points per criterion (40/40/20) adding up to ``total``."""
    share = round(total * 0.4)
    return [share, share, total - 2 * share]


def settings_form(page: Page, opens, closes) -> None:
    page.get_by_label("提名开始日期", exact=True).fill(opens.isoformat())
    page.get_by_label("提名截止日期", exact=True).fill(closes.isoformat())


def expect_error(page: Page, text: str) -> None:
    expect(page.locator(".flash-error[role=status]", has_text=text)).to_be_visible()


def expect_not_found(page: Page, path: str, story: dict) -> None:
    """Opening ``path`` answers 404 (never 403: the nomination's existence is not confirmed).
    The browser logs the failed load as a console error; the last step expects it."""
    response = page.goto(path)
    assert response is not None and response.status == 404, (
        f"{path}: {response and response.status}"
    )
    expect(page.locator("h1")).to_contain_text("404")
    story.setdefault("not_found", []).append(path)


def click_confirmed(button: Locator, story: dict) -> None:
    """Click a button that asks first (``data-confirm``): the dialog is accepted, and its
    message noted for the step that checks every such button asked."""
    story.setdefault("confirms", []).append(button.get_attribute("data-confirm"))
    button.click()


def criterion_rows(page: Page) -> Locator:
    return page.locator("form table.grid tbody tr")


def task_row(page: Page, nominee: Nominee) -> Locator:
    return page.locator("table.grid tbody tr", has_text=nominee.name).filter(
        has_text=nominee.category
    )


def run_row(page: Page, nominee: Nominee) -> Locator:
    return page.locator("table.ranked tbody tr").filter(
        has=page.get_by_role("link", name=nominee.name, exact=True)
    )


# --- set-up ----------------------------------------------------------------------------------


def test_admin_creates_panel_accounts(act):
    page = act("admin")
    for username, name, unit in (
        (EXPERT_OWN, EXPERT_OWN_NAME, EXPERT_OWN_UNIT),
        (EXPERT_FREE, EXPERT_FREE_NAME, None),
    ):
        page.goto("/admin/users")
        page.get_by_role("link", name="新建用户").click()
        page.get_by_label("用户名", exact=True).fill(username)
        page.get_by_label("姓名", exact=True).fill(name)
        page.get_by_label("角色", exact=True).select_option(label="督查员/评审专家")
        if unit:
            page.get_by_label("所属单位", exact=True).select_option(label=unit)
        page.get_by_label("初始密码", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="保存", exact=True).click()
        expect_flash(page, f"已保存用户 {username}")
    row = page.locator("tbody tr", has_text=EXPERT_OWN)
    expect(row).to_contain_text("督查员/评审专家")
    expect(row).to_contain_text("金水区")


def test_admin_sets_up_round(act, story):
    page = act("admin")
    page.goto("/nominations/")
    page.get_by_role("link", name="新建评选").click()
    page.get_by_label("评选年度", exact=True).fill(str(YEAR))
    page.get_by_label("评选名称", exact=True).fill(TITLE)
    settings_form(page, today() - timedelta(days=3), today() + timedelta(days=7))
    page.get_by_label("表彰名额（前 N 名）", exact=True).fill("3")
    page.get_by_label("每个提名的评审人数", exact=True).fill("2")
    page.get_by_label("最少有效评审数", exact=True).fill("2")
    page.get_by_role("button", name="保存", exact=True).click()

    expect_flash(page, f"已保存评选设置：{TITLE}")
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("h1 .tag")).to_have_text("提名中")
    story["round"] = page.url
    story["round_id"] = int(re.search(r"/rounds/(\d+)$", page.url).group(1))
    # The ten default categories, the seed's six first.
    categories = page.locator("table.grid").nth(1).locator("tbody tr")
    expect(categories).to_have_count(10)
    expect(categories.first).to_contain_text("先进县(市、区)")
    expect(categories.nth(5)).to_contain_text("优秀外来务工人员")
    expect(page.locator(".stats li", has_text="评审专家")).to_contain_text("3")
    # Reviewers are assigned after the window closes, not while it is open.
    expect(page.get_by_role("link", name="分配评审")).to_have_count(0)

    # Every active reviewer account is on the panel, with its unit shown.
    page.get_by_role("link", name="评审专家组").click()
    for label in (
        f"{EXPERT_OWN_NAME}（金水区）",
        f"{EXPERT_FREE_NAME}（无所属单位）",
        f"{INSPECTOR_NAME}（无所属单位）",
    ):
        expect(page.get_by_label(label, exact=True)).to_be_checked()


def test_admin_edits_score_sheet(act, story):
    page = act("admin")
    page.goto(story["round"])
    page.get_by_role("link", name="评分细则").click()
    rows = criterion_rows(page)
    expect(rows).to_have_count(7)  # the default five and two blank rows
    names = [rows.nth(i).locator("input[name$='-name']") for i in range(5)]
    for i, name in ((0, "事迹真实典型"), (1, "工作成效显著"), (4, "材料规范完整")):
        expect(names[i]).to_have_value(name)

    def weight(i: int) -> Locator:
        return rows.nth(i).locator("input[name$='-weight']")

    weight(0).fill("40")
    weight(1).fill("40")
    weight(4).fill("10")
    rows.nth(2).locator("input[name$='-remove']").check()
    rows.nth(3).locator("input[name$='-remove']").check()
    page.get_by_role("button", name="保存评分细则").click()
    expect_error(page, "评分细则的分值合计应为 100，现为 90")

    weight(4).fill("20")
    page.get_by_role("button", name="保存评分细则").click()
    expect_flash(page, "已保存评分细则")

    page.get_by_role("link", name="评分细则").click()
    rows = criterion_rows(page)
    expect(rows).to_have_count(5)  # three criteria and two blank rows
    for i, (name, points_) in enumerate(CRITERIA):
        expect(rows.nth(i).locator("input[name$='-name']")).to_have_value(name)
        expect(rows.nth(i).locator("input[name$='-weight']")).to_have_value(
            re.compile(rf"^{points_}(\.0+)?$")
        )


# --- nominations -----------------------------------------------------------------------------


def fill_nomination(page: Page, nominee: Nominee, person: bool | None = None) -> None:
    """The nomination form, opened from the list of rounds and filled in (not yet sent)."""
    page.goto("/nominations/")
    page.locator("tbody tr", has_text=TITLE).get_by_role("link", name="新建提名").click()
    expect(page.locator("p.muted").first).to_contain_text(f"提名单位：{nominee.unit}")
    page.get_by_label("评选类别", exact=True).select_option(label=nominee.category)
    person = bool(nominee.position) if person is None else person
    page.get_by_label("个人" if person else "单位（集体）", exact=True).check()
    page.get_by_label("推荐对象名称（姓名）", exact=True).fill(nominee.name)
    page.get_by_label("工作单位", exact=True).fill(nominee.work_unit)
    page.get_by_label("职务", exact=True).fill(nominee.position)
    page.get_by_label("联系人", exact=True).fill(f"{nominee.unit}联系人")
    page.get_by_label("联系电话", exact=True).fill("0371-67180000")
    page.get_by_label("事迹材料", exact=True).fill(
        f"{nominee.name}建立“一站式”流动人口服务，辖区流动人口全部建档，群众满意率 96%。\n"
        "年内开展融合活动 12 场次。"
    )
    page.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": EVIDENCE, "mimeType": "application/pdf", "buffer": pdf_bytes(2)}]
    )


def test_reporters_nominate(act, story):
    for nominee in NOMINEES:
        page = act(nominee.reporter)
        if nominee.key == "worker":
            # A person needs a work unit and position; the form says so and keeps the rest.
            bare = Nominee("x", nominee.reporter, nominee.unit, nominee.category, nominee.name)
            fill_nomination(page, bare, person=True)
            page.get_by_role("button", name="提交提名").click()
            expect_error(page, "推荐个人须填写工作单位和职务")
            expect(page.get_by_label("事迹材料", exact=True)).to_have_value(re.compile("一站式"))
        fill_nomination(page, nominee)
        page.get_by_role("button", name="提交提名").click()
        expect_flash(page, f"已提交提名：{nominee.name}")
        expect_flash(page, "已上传 1 个佐证材料")
        expect(page.locator("h1")).to_contain_text(nominee.name)
        expect(page.locator("table.grid").first).to_contain_text(nominee.category)
        expect(page.locator(".deeds")).to_contain_text("融合活动 12 场次")
        evidence = page.locator("ul.evidence li", has_text=EVIDENCE)
        expect(evidence).to_contain_text("2 页")
        story[nominee.key] = int(re.search(r"/nominations/(\d+)$", page.url).group(1))
        story[f"{nominee.key}-evidence"] = evidence.get_by_role("link").get_attribute("href")

    # A unit lists its own nominations only.
    page = act("r-410105")
    page.goto("/nominations/")
    row = page.locator("tbody tr", has_text=TITLE)
    expect(row.locator("td").nth(4)).to_have_text("2")
    row.get_by_role("link", name="本单位提名").click()
    listed = page.locator("table.grid tbody tr")
    expect(listed).to_have_count(2)
    expect(page.locator("table.grid")).not_to_contain_text("二七区淮河路街道办事处")


def test_reporter_of_another_unit_cannot_open_a_nomination(act, story):
    page = act("r-410103")
    expect_not_found(page, f"/nominations/{story['jinshui']}", story)
    expect_not_found(page, story["jinshui-evidence"], story)


# --- the window closes, reviewers are assigned -----------------------------------------------


def test_admin_closes_window(act, story):
    page = act("admin")
    page.goto(story["round"])
    expect(page.locator(".stats li", has_text="有效提名")).to_contain_text("4")
    expect(page.locator(".stats li", has_text="提名单位")).to_contain_text("3")
    page.get_by_role("link", name="评选设置").click()
    settings_form(page, today() - timedelta(days=10), today() - timedelta(days=1))
    page.get_by_role("button", name="保存", exact=True).click()
    expect_flash(page, "已保存评选设置")
    expect(page.locator("h1 .tag")).to_have_text("提名已截止，待分配评审")

    # The units can no longer nominate or change their nominations.
    page = act("r-410105")
    page.goto(f"/nominations/rounds/{story['round_id']}/nominations")
    expect(page.locator(".toolbar")).to_contain_text("当前不在提名时间内")
    expect(page.get_by_role("link", name="新建提名")).to_have_count(0)
    page.locator("table.grid").get_by_role("link", name=BY_KEY["jinshui"].name, exact=True).click()
    expect(page.get_by_role("link", name="修改", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="撤回提名")).to_have_count(0)


def test_admin_assigns_reviewers(act, story):
    page = act("admin")
    page.goto(story["round"])
    page.get_by_role("link", name="分配评审").click()
    click_confirmed(page.get_by_role("button", name="自动均衡分配"), story)
    expect_flash(page, "已为 4 个提名自动分配评审")
    expect(page.locator(".stats li", has_text="已提交评分表")).to_contain_text("0 / 8")
    expect(page.locator(".stats li", has_text="评审人不足")).to_contain_text("0")
    rows = page.locator("table.grid tbody tr")
    for nominee in NOMINEES:
        row = rows.filter(has=page.get_by_role("link", name=nominee.name, exact=True))
        expect(row).to_contain_text("0 / 2")
        if nominee.unit == "金水区":  # never its own unit's reviewer
            expect(row).to_contain_text(INSPECTOR_NAME)
            expect(row).to_contain_text(EXPERT_FREE_NAME)
            expect(row).not_to_contain_text(EXPERT_OWN_NAME)

    # Once assigned, the window cannot be reopened under the reviewers.
    page.get_by_role("link", name="评选设置").click()
    settings_form(page, today() - timedelta(days=10), today() + timedelta(days=3))
    page.get_by_role("button", name="保存", exact=True).click()
    expect_error(page, "已分配评审，提名截止日期只能在今天之前")


# --- review ----------------------------------------------------------------------------------


def open_sheet(page: Page, story: dict, nominee: Nominee) -> None:
    page.goto(f"/nominations/rounds/{story['round_id']}/reviews")
    task_row(page, nominee).get_by_role("link", name="评分", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"评分：{nominee.name}")


def fill_sheet(page: Page, total: int, only: int | None = None) -> None:
    """Score each criterion (or only the first ``only``) with a comment."""
    rows = criterion_rows(page)
    expect(rows).to_have_count(len(CRITERIA))
    for i, ((name, _weight), value) in enumerate(zip(CRITERIA, points(total), strict=True)):
        if only is not None and i >= only:
            break
        expect(rows.nth(i).locator("td").first).to_have_text(name)
        rows.nth(i).locator("input[name^=points_]").fill(str(value))
        rows.nth(i).locator("textarea[name^=comment_]").fill(f"{name}：材料翔实（总分 {total}）")


def submit_sheet(page: Page, story: dict, total: int) -> None:
    click_confirmed(page.get_by_role("button", name="提交评分"), story)
    expect_flash(page, "评分已提交")
    expect(page.locator("h1 .tag")).to_have_text("已提交")
    expect(page.locator("table.grid").last.locator("tbody tr").last).to_contain_text(f"{total:.2f}")


def expect_blind(page: Page, hidden_totals) -> None:
    """No other reviewer's score, nor any aggregate, before this reviewer submits."""
    expect(page.locator(".peers")).to_have_count(0)
    expect(page.get_by_text("其他评审专家的总分")).to_have_count(0)
    body = page.locator("body")
    for total in hidden_totals:
        expect(body).not_to_contain_text(f"{total:.2f}")
        expect(body).not_to_contain_text(f"总分 {total}")  # its comments


def score_tasks(page: Page, story: dict, reviewer: str) -> None:
    """Score every task still open; a nominee's first reviewer gives the higher total, and
    sees no other score until it has submitted, the second sees the first's after."""
    submitted = story.setdefault("submitted", {})
    page.goto(f"/nominations/rounds/{story['round_id']}/reviews")
    open_tasks = page.locator("table.grid tbody tr").filter(
        has=page.get_by_role("link", name="评分", exact=True)
    )
    names = open_tasks.locator("td:nth-child(3)").all_inner_texts()
    assert names, f"{reviewer} has no review tasks"
    for name in names:
        nominee = BY_NAME[name]
        before = submitted.get(nominee.key, [])
        total = nominee.totals[len(before)]
        open_sheet(page, story, nominee)
        expect_blind(page, before)
        fill_sheet(page, total)
        submit_sheet(page, story, total)
        expect(page.locator(".peers")).to_contain_text(
            " ".join(f"{t:.2f}" for t in sorted(before)) or "其他评审专家尚未提交"
        )
        submitted[nominee.key] = [*before, total]


def test_first_reviewer_scores(act, story):
    page = act("inspector")
    page.goto("/nominations/")
    page.locator("tbody tr", has_text=TITLE).get_by_role("link", name="我的评审任务").click()
    expect(page.locator(".stats strong")).to_have_text(re.compile(r"^0 / [1-9]$"))
    score_tasks(page, story, "inspector")
    page.get_by_role("link", name="返回我的评审任务").click()
    expect(page.locator(".stats strong")).to_have_text(re.compile(r"^([1-9]) / \1$"))


def test_second_reviewer_is_blind_until_it_submits(act, story):
    page = act(EXPERT_FREE)
    jinshui = BY_KEY["jinshui"]  # scored by the inspector already: 92
    open_sheet(page, story, jinshui)
    expect_blind(page, story["submitted"]["jinshui"])
    # The evidence opens as the unit uploaded it.
    assert open_pdf(page, page.get_by_role("link", name=EVIDENCE)).startswith(b"%PDF")
    open_sheet(page, story, jinshui)

    # A draft keeps the points typed so far, and still shows no other score.
    fill_sheet(page, jinshui.totals[1], only=2)
    page.get_by_role("button", name="保存草稿").click()
    expect_flash(page, "已保存评分草稿")
    expect(page.locator("h1 .tag")).to_have_text("草稿")
    first_points = criterion_rows(page).first.locator("input[name^=points_]")
    expect(first_points).to_have_value(str(points(jinshui.totals[1])[0]))
    expect_blind(page, story["submitted"]["jinshui"])
    # Submitting an incomplete sheet is refused, criterion by criterion.
    click_confirmed(page.get_by_role("button", name="提交评分"), story)
    expect_error(page, "“材料规范完整”须填写得分和评语")
    expect_blind(page, story["submitted"]["jinshui"])

    fill_sheet(page, jinshui.totals[1])
    submit_sheet(page, story, jinshui.totals[1])
    # Now, and only now, the other reviewer's total, without a name.
    expect(page.locator(".peers")).to_have_text("92.00")
    expect(page.locator("body")).not_to_contain_text(INSPECTOR_NAME)
    story["submitted"]["jinshui"].append(jinshui.totals[1])

    score_tasks(page, story, EXPERT_FREE)
    # The first reviewer now sees the second's total beside its own sheet.
    page = act("inspector")
    page.goto(f"/nominations/{story['jinshui']}/review")
    expect(page.locator(".peers")).to_have_text("88.00")


def test_reviewer_from_nominating_unit_cannot_open_its_nominations(act, story):
    page = act(EXPERT_OWN)
    page.goto(f"/nominations/rounds/{story['round_id']}/reviews")
    tasks = page.locator("table.grid tbody")
    for nominee in NOMINEES:
        if nominee.unit == "金水区":
            expect(tasks).not_to_contain_text(nominee.name)
    for key in ("jinshui", "worker"):
        expect_not_found(page, f"/nominations/{story[key]}/review", story)
        expect_not_found(page, f"/nominations/{story[key]}", story)
    expect_not_found(page, story["jinshui-evidence"], story)

    page.goto(f"/nominations/rounds/{story['round_id']}/conflicts")
    for key in ("jinshui", "worker"):
        row = task_row(page, BY_KEY[key])
        expect(row).to_contain_text("本单位提名，自动回避")
        expect(row).not_to_contain_text("事迹")  # names only, never deeds


def test_third_reviewer_scores(act, story):
    page = act(EXPERT_OWN)
    score_tasks(page, story, EXPERT_OWN)
    assert sorted(len(t) for t in story["submitted"].values()) == [2, 2, 2, 2]


# --- ranking, the panel's decision, the award list -------------------------------------------


def test_admin_ranks(act, story):
    page = act("admin")
    page.goto(story["round"])
    expect(page.locator("h1 .tag")).to_have_text("评审中")
    expect(page.locator(".stats li", has_text="已提交评分表")).to_contain_text("8 / 8")
    page.get_by_role("link", name="排名", exact=True).first.click()
    expect(page.get_by_label("表彰名额（前 N 名）", exact=True)).to_have_value("3")
    expect(page.get_by_label("最少有效评审数", exact=True)).to_have_value("2")
    page.get_by_role("button", name="排名", exact=True).click()

    expect_flash(page, "已完成第 1 次排名")
    story["run"] = page.url
    expected = {
        "jinshui": ("1", "90.00", "入选"),
        "erqi": ("2", "85.00", "入选"),
        "school": ("3", "82.00", "待评审会决定"),
        "worker": ("3", "82.00", "待评审会决定"),
    }
    rows = page.locator("table.ranked tbody tr")
    expect(rows).to_have_count(4)
    for key, (rank, score, selected) in expected.items():
        row = run_row(page, BY_KEY[key])
        expect(row.locator("td").first).to_have_text(rank)
        expect(row.locator("td").nth(4)).to_have_text(score)
        expect(row.locator("td").last).to_contain_text(selected)
        if selected == "待评审会决定":
            expect(row).to_contain_text("名额线并列")
    expect(page.locator(".flash-warning")).to_contain_text("以下提名并列于名额线，待评审会决定")
    expect(page.get_by_role("button", name="确认表彰名单")).to_be_disabled()


def test_admin_records_panel_decisions_and_confirms(act, story):
    page = act("admin")
    page.goto(story["run"])
    for key, (choice, note) in DECISIONS.items():
        row = run_row(page, BY_KEY[key])
        row.get_by_label(choice, exact=True).check()
        row.get_by_placeholder(re.compile("表决情况")).fill(note)
        row.get_by_role("button", name="记录决定").click()
        expect_flash(page, "已记录评审会决定")
        expect(run_row(page, BY_KEY[key])).to_contain_text(f"评审会决定：{choice}")
        expect(run_row(page, BY_KEY[key])).to_contain_text(note)
    expect(page.locator(".flash-warning")).to_have_count(0)

    click_confirmed(page.get_by_role("button", name="确认表彰名单"), story)
    expect_flash(page, "表彰名单已确认")
    expect(page).to_have_url(re.compile(rf"/nominations/rounds/{story['round_id']}/awards$"))
    expect(page.get_by_text("共 3 个")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(BY_KEY["worker"].name)


def test_viewer_opens_award_list_and_downloads(act, story):
    page = act("viewer")
    page.goto("/nominations/")
    row = page.locator("tbody tr", has_text=TITLE)
    expect(row.locator(".tag")).to_have_text("表彰名单已确认")
    row.get_by_role("link", name="表彰名单").click()

    expect(page.locator("h1")).to_have_text(
        f"{YEAR}年度郑州市培育十类典型促进流动人口社会融合先进集体和先进个人表彰名单"
    )
    expect(page.locator("main h2")).to_have_text(
        ["一、先进县(市、区)（1个）", "二、先进乡(镇、办)（1个）", "三、先进学校（1个）"]
    )
    school = page.locator("tbody tr", has_text=BY_KEY["school"].name)
    expect(school).to_contain_text("市教育局")
    expect(school).to_contain_text("82.00")
    expect(page.locator("body")).not_to_contain_text(BY_KEY["worker"].name)

    awards_page = page.url
    pdf = open_pdf(page, page.get_by_role("link", name="下载 PDF"))
    assert pdf.startswith(b"%PDF")
    text = re.sub(r"\s+", "", extract_text(io.BytesIO(pdf)))
    assert "表彰名单" in text and BY_KEY["school"].name in text
    assert BY_KEY["worker"].name not in text
    page.goto(awards_page)
    workbook = load_workbook(
        io.BytesIO(download(page, page.get_by_role("link", name="导出 Excel")))
    )
    awards = workbook.worksheets[0]
    names = [r[3] for r in awards.iter_rows(min_row=2, values_only=True)]
    assert names == ["金水区", "二七区淮河路街道办事处", "郑州市第七十三中学"]
    notes = {r[3]: r[11] for r in awards.iter_rows(min_row=2, values_only=True)}
    assert notes["郑州市第七十三中学"] == DECISIONS["school"][1]


def test_irreversible_actions_asked_first(cast, story):
    """Assigning, submitting a score sheet and confirming the award list each asked first."""
    assert story.get("confirms"), "no step clicked a data-confirm button"
    never_asked = sorted({m for m in story["confirms"] if m not in cast.dialogs})
    assert never_asked == []


def test_no_browser_errors(cast, story):
    """No script error and no console error (CSP violations among them) on any page, but
    the failed loads of the pages that were meant to answer 404."""
    expected = [f"({cast.base_url}{path})" for path in story.get("not_found", [])]
    unexpected = [
        e for e in cast.errors if not ("404" in e and any(e.endswith(where) for where in expected))
    ]
    assert unexpected == []
