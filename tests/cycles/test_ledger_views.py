"""The claimed-vs-verified ledger (核减台账) page and workbook: published cycles only, the
figures worked out by hand, the filters, who may read it, and a fixed number of queries."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.ledger import LedgerFilters, ledger_view
from assess.cycles.models import Cycle, Submission
from tests.cycle_helpers import make_cycle, unit
from tests.helpers import count_queries

JINSHUI, ZHONGYUAN = "410105", "410102"


def _reporter(code: str) -> User:
    return User.get(User.username == f"r-{code}")


def _report(cycle: Cycle, code: str, values: dict[str, str]) -> None:
    u = unit(code)
    for indicator, value in values.items():
        submissions.save_value(cycle, u, indicator, value, "", None, _reporter(code))
    submissions.submit_unit(cycle, u, _reporter(code))


def _verify(cycle: Cycle, code: str, indicator: str, **decision) -> None:
    sub = Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit(code),
        Submission.indicator_code == indicator,
    )
    inspector = User.get(User.username == "inspector")
    submissions.verify_item(sub, sub.version, inspector, **decision)


def _published(
    year: int, reports: dict, decisions: list, publish: bool = True, name: str = "考核"
) -> Cycle:
    cycle = make_cycle("open", year=year, name=f"{year}年度{name}")
    for code, values in reports.items():
        _report(cycle, code, values)
    admin = User.get(User.username == "admin")
    lifecycle.transition(cycle, "review", admin)
    for code, indicator, decision in decisions:
        _verify(cycle, code, indicator, **decision)
    if publish:
        publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def build_ledger() -> None:
    """2024 and 2025 published, 2026 in review (not in the ledger)."""
    _published(
        2024,
        {
            JINSHUI: {"A1": "90/100", "A2": "5", "B1": "优"},
            ZHONGYUAN: {"A1": "95/100", "A2": "4", "B1": "良"},
        },
        [
            (JINSHUI, "A1", {"verified_value": "80/100", "reason": "=抽样不实"}),
            (JINSHUI, "B1", {"verified_value": "良", "reason": "机制未落实"}),
            (ZHONGYUAN, "A2", {"verified_value": "2", "reason": "会议记录缺失"}),
            (ZHONGYUAN, "B1", {"deduction": Decimal(3), "deduction_reason": "台账不全"}),
        ],
    )
    _published(
        2025,
        {JINSHUI: {"A1": "90/100", "A2": "6", "B1": "优"}},
        [(JINSHUI, "A2", {"verified_value": "3", "reason": "重复计数"})],
    )
    _published(
        2026,
        {JINSHUI: {"A1": "90/100", "A2": "6", "B1": "优"}},
        [(JINSHUI, "A1", {"verified_value": "10/100", "reason": "在审"})],
        publish=False,
    )


@pytest.fixture
def ledger(app, demo, db):
    build_ledger()


def test_the_figures_of_a_year(ledger):
    view = ledger_view(LedgerFilters(year=2024))
    assert view.years == (2025, 2024)  # 2026 is in review: not in the ledger
    lines = {(r.unit.code, r.indicator.code): r for r in view.rows}
    assert len(lines) == 6
    a1 = lines[(JINSHUI, "A1")]
    # 90 % claimed, 80 % verified: 10 points, 10/90 = 11.11 %
    assert (a1.line.difference, a1.line.rate) == (Decimal("10.00"), Decimal("11.11"))
    assert a1.verify_reason == "=抽样不实" and a1.verified_text == "80/100"
    a2 = lines[(ZHONGYUAN, "A2")]
    assert (a2.line.difference, a2.line.rate) == (Decimal("2.00"), Decimal("50.00"))
    b1 = lines[(JINSHUI, "B1")]
    assert b1.line.reduced and b1.line.difference is None
    accepted = lines[(ZHONGYUAN, "B1")]
    assert not accepted.line.reduced and accepted.line.entry.deduction == Decimal(3)
    assert accepted.deduction_reason == "台账不全" and accepted.verified_text == ""
    totals = {u.code: t for u, t in view.unit_totals}
    assert (totals[JINSHUI].items, totals[JINSHUI].reduced) == (3, 2)
    assert totals[JINSHUI].share == Decimal("66.67")
    assert (totals[ZHONGYUAN].reduced, totals[ZHONGYUAN].deductions) == (1, Decimal(3))
    by_indicator = {row.indicator.code: t for row, t in view.indicator_totals}
    assert by_indicator["A2"].difference == Decimal("2.00")
    assert by_indicator["A1"].difference is None  # percentage points are not added
    assert [(y, t.items, t.reduced) for y, t in view.trend] == [(2024, 6, 3), (2025, 3, 1)]


def test_the_latest_year_by_default_and_the_filters(ledger):
    assert ledger_view(LedgerFilters()).filters.year == 2025
    zhongyuan = unit(ZHONGYUAN)
    view = ledger_view(LedgerFilters(year=2024, unit_id=zhongyuan.id))
    assert {r.unit.code for r in view.rows} == {ZHONGYUAN}
    # the trend keeps the unit filter: 中原区 reported in 2024 only
    assert [y for y, _t in view.trend] == [2024]
    view = ledger_view(LedgerFilters(year=2024, reduced_only=True))
    assert {(r.unit.code, r.indicator.code) for r in view.rows} == {
        (JINSHUI, "A1"),
        (JINSHUI, "B1"),
        (ZHONGYUAN, "A2"),
    }
    view = ledger_view(LedgerFilters(year=2024, category="B"))
    assert {r.indicator.code for r in view.rows} == {"B1"}
    view = ledger_view(LedgerFilters(year=2024, indicator="A2", kind="department"))
    assert view.rows == ()


def test_the_page(ledger, as_user):
    page = as_user("admin").get("/ledger/?year=2024").get_data(as_text=True)
    assert "核减台账" in page and "2024年度" in page
    assert "11.11%" in page and "66.67%" in page and "会议记录缺失" in page
    # the heat map, drawn by the report charts, with its title, label and data table
    assert 'id="ledger-heatmap"' in page and 'role="img"' in page and "数据表" in page
    assert "核减率（%）" in page
    assert 'href="/ledger/"' in page  # in the navigation


def test_the_page_with_nothing_published(app, demo, db, as_user):
    page = as_user("viewer").get("/ledger/").get_data(as_text=True)
    assert "暂无已公布的考核结果" in page


@pytest.mark.parametrize(
    ("user", "status"),
    [("admin", 200), ("inspector", 200), ("viewer", 200), ("r-410105", 403)],
)
def test_who_may_read_it(ledger, as_user, user, status):
    client = as_user(user)
    assert client.get("/ledger/").status_code == status
    assert client.get("/ledger/ledger.xlsx").status_code == status


def test_the_workbook_is_the_filtered_ledger_with_user_text_neutralised(ledger, as_user):
    response = as_user("viewer").get("/ledger/ledger.xlsx?year=2024&reduced=1")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["核减台账", "按单位汇总", "按指标汇总", "历年趋势"]
    rows = list(wb["核减台账"].iter_rows(values_only=True))
    assert rows[0][:9] == (
        "年度",
        "单位编码",
        "单位名称",
        "指标编号",
        "指标名称",
        "自评值",
        "核定值",
        "差额",
        "核减率（%）",
    )
    assert len(rows) == 4  # the three reduced lines
    a1 = next(r for r in rows[1:] if r[1] == JINSHUI and r[3] == "A1")
    assert a1[7:10] == (10, 11.11, "是")
    cell = next(c for c in wb["核减台账"]["K"] if c.value == "=抽样不实")
    assert cell.data_type == "s" and cell.quotePrefix
    trend = list(wb["历年趋势"].iter_rows(values_only=True))
    assert trend[1:] == [(2024, 3, 3, 100, 0), (2025, 1, 1, 100, 0)]


def test_a_fixed_number_of_queries_whatever_the_units_and_the_last_published_counts(
    ledger, as_user
):
    client = as_user("admin")

    def cost() -> int:
        with count_queries() as n:
            assert client.get("/ledger/").status_code == 200
        return n()

    before = cost()
    _published(
        2025,
        {
            JINSHUI: {"A1": "90/100", "A2": "8", "B1": "优"},
            ZHONGYUAN: {"A1": "90/100", "A2": "6", "B1": "优"},
            "410103": {"A1": "50/100", "A2": "1", "B1": "中"},
        },
        [(ZHONGYUAN, "A2", {"verified_value": "3", "reason": "重复计数"})],
        name="复核",
    )
    assert cost() == before
    # Two published cycles of 2025 assessed 金水区: the one published last counts.
    lines = {(r.unit.code, r.indicator.code): r for r in ledger_view(LedgerFilters()).rows}
    assert len(lines) == 9
    assert lines[(JINSHUI, "A2")].claimed_text == "8"
    assert not lines[(JINSHUI, "A2")].line.reduced


def test_the_city_summary_carries_the_cycles_ledger_totals(ledger):
    from assess.reports.content import city_summary
    from assess.reports.data import LedgerUnitRow

    cycle = Cycle.get(Cycle.year == 2024)
    data = city_summary(cycle, "郑州市卫生和计划生育委员会")
    # units in the tree's order (中原区 410102 before 金水区 410105)
    assert data.ledger == (
        LedgerUnitRow("中原区", 3, 1, Decimal("33.33"), Decimal(3)),
        LedgerUnitRow("金水区", 3, 2, Decimal("66.67"), Decimal(0)),
    )
    assert data.ledger_total == LedgerUnitRow("合计", 6, 3, Decimal("50.00"), Decimal(3))
    # a cycle in review has no ledger
    assert ledger_view(LedgerFilters(year=2026)).filters.year == 2025
