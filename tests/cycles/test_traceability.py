"""The policy traceability page (政策条款追溯) of a shipped set and of a cycle's set: every
clause of the cited document with its indicators, the uncovered clauses, a published
cycle's score rates, deductions and rectifications, and the .xlsx export."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import lifecycle, publishing, rectifications, submissions
from assess.cycles.models import Cycle, Submission
from assess.units.models import Unit
from indicators import SETS_DIR
from tests.cycle_helpers import unit

COUNTIES = ("410105", "410102")


def _row(page: str, label: str) -> str:
    """The table row of clause ``label`` on ``page``."""
    match = re.search(
        rf"<tr class=\"depth-\d[^\"]*\">\s*<th scope=\"row\">{label}</th>(.*?)</tr>", page, re.S
    )
    assert match, f"no row for {label}"
    return match.group(0)


def _published_county_cycle() -> Cycle:
    """The shipped 2011 county set run for two counties: 中原区 reports A2 (3 of 4
    meetings) and is deducted 0.5 on it with a rectification demand; 二七区 reports 4."""
    Unit.update(active=False).where(
        Unit.kind.in_(["county", "department"]), Unit.code.not_in(COUNTIES)
    ).execute()
    admin = User.get(User.username == "admin")
    text = (SETS_DIR / "zz-2011-county.yaml").read_text("utf-8")
    cycle = lifecycle.create_cycle(2011, "2011年度考核", text, "zz-2011-county.yaml", actor=admin)
    lifecycle.transition(cycle, "open", admin)
    for code, meetings in zip(COUNTIES, ("3", "4"), strict=True):
        reporter = User.get(User.username == f"r-{code}")
        submissions.save_value(cycle, unit(code), "A2", meetings, "", None, reporter)
    Submission.update(status="submitted").where(Submission.cycle == cycle).execute()
    lifecycle.transition(Cycle.get_by_id(cycle.id), "review", admin)
    inspector = User.get(User.username == "inspector")
    item = Submission.get(Submission.cycle == cycle, Submission.unit == unit("410105"),
                          Submission.indicator_code == "A2")  # fmt: skip
    submissions.verify_item(item, item.version, inspector, deduction=Decimal("0.5"),
                            deduction_reason="会议记录不全")  # fmt: skip
    rectifications.demand(Cycle.get_by_id(cycle.id), unit("410105"), "补齐会议记录",
                          local_today() + timedelta(days=10), inspector, indicator_code="A2")  # fmt: skip
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def test_a_shipped_set_traces_every_clause_of_its_document(demo, db, as_user):
    page = as_user("admin").get("/library/sets/zz-2011-county/clauses").get_data(as_text=True)
    assert "政策条款追溯" in page
    assert "郑州市人民政府办公厅关于印发郑州市流动人口基本公共服务均等化实施方案的通知" in page
    assert "A2" in _row(page, "三（一）") and "建立健全流动人口基本公共服务统筹管理" in page
    assert "由下级条款的指标覆盖" in _row(page, "三")
    assert "未覆盖" in _row(page, "四（一）")
    listed = page.split("没有指标覆盖的条款", 1)[1]
    assert "四（一）" in listed and "三（一）" not in listed
    assert "得分率" not in page  # no results for a set outside a cycle
    # the coverage chart, with its table: 四 方法步骤 has 6 clauses (itself and 5), none covered
    assert 'id="coverage-1"' in page and "各部分条款的指标覆盖情况" in page
    assert 'role="img"' in page
    table = page.split('id="coverage-1"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", table)
    four = cells.index("四 方法步骤及时间安排")
    assert cells[four + 1 : four + 4] == [
        "2",
        "4",
        "6",
    ]  # 四 and 四（三） covered (G1 cites 四(三))


def test_a_published_cycle_shows_what_each_clause_came_to(demo, db, as_user):
    cycle = _published_county_cycle()
    page = as_user("admin").get(f"/library/cycles/{cycle.id}/clauses").get_data(as_text=True)
    row = _row(page, "三（一）")
    # A2 (weight 4, ratio to 4 meetings): 3 → 3.00 less the 0.50 deducted = 2.50, and 4 → 4.00;
    # 6.50 of 2 × 4 points is 81.25 %.
    assert "81.25%" in row
    assert "1 个单位，共 0.50 分" in row
    assert "1 项" in row


def test_the_trace_exports_as_a_workbook(demo, db, as_user):
    cycle = _published_county_cycle()
    response = as_user("admin").get(f"/library/cycles/{cycle.id}/clauses.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:4] == ["文件", "条款", "条款内容", "覆盖情况"]
    assert rows[0][-1] == "整改要求数"
    a2 = next(r for r in rows if r[4] == "A2")
    assert (a2[1], a2[3], a2[6]) == ("三（一）", "指标直接引用", 4)
    assert (a2[8], a2[9], a2[10]) == (1, 0.5, 1)
    assert any(r[1] == "四（一）" and r[3] == "未覆盖" and r[4] is None for r in rows)


def test_reporters_do_not_reach_the_trace(demo, db, as_user):
    client = as_user("r-410105")
    assert client.get("/library/sets/zz-2011-county/clauses").status_code in (403, 404)
    assert client.get("/library/sets/zz-2011-county/clauses.xlsx").status_code in (403, 404)


def test_the_set_page_links_to_its_trace(demo, db, as_user):
    page = as_user("admin").get("/library/sets/zz-2011-county").get_data(as_text=True)
    assert "/library/sets/zz-2011-county/clauses" in page
