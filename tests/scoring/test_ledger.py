"""The claimed-vs-verified ledger (核减台账): differences, reduction rates and totals,
against figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from scoring.ledger import (
    LedgerEntry,
    LedgerTotals,
    lines_of,
    per_indicator,
    per_unit,
    same_value,
    trend,
    work_out,
)
from scoring.values import Rate, parse_rate

pytestmark = pytest.mark.pure


def entry(claimed, verified=None, measure="count", **fields) -> LedgerEntry:
    base = {"year": 2012, "unit": "u1", "indicator": "A2"} | fields
    return LedgerEntry(measure=measure, claimed=claimed, verified=verified, **base)


@pytest.mark.parametrize(
    ("claimed", "verified", "measure", "reduced", "difference", "rate"),
    [
        # 120 claimed, 90 verified: 30 less, 30/120 = 25 %
        (D(120), D(90), "count", True, "30.00", "25.00"),
        # 3 claimed, 2 verified: 1/3 = 33.333… % → 33.33
        (D(3), D(2), "count", True, "1.00", "33.33"),
        # 2/3 → 66.666… % → 66.67 (half up, no intermediate rounding)
        (D(3), D(1), "count", True, "2.00", "66.67"),
        # amounts with decimals: 1000.50 − 900.25 = 100.25; 100.25/1000.5 = 10.01998… %
        (D("1000.50"), D("900.25"), "amount", True, "100.25", "10.02"),
        # an increase on review (核增): a negative difference and rate
        (D(4), D(5), "count", True, "-1.00", "-25.00"),
        # claimed 0: a difference, no rate
        (D(0), D(2), "count", True, "-2.00", None),
        # accepted (no verified value), and verified as claimed
        (D(7), None, "count", False, "0.00", "0.00"),
        (D(7), D("7.0"), "count", False, "0.00", "0.00"),
        (D(0), None, "count", False, "0.00", None),
        # a rate in percentage points: 483/500 = 96.6 %, 450/500 = 90 %: 6.6 points;
        # 6.6 / 96.6 = 6.8322… %
        (Rate(D(483), D(500)), Rate(D(450), D(500)), "rate", True, "6.60", "6.83"),
        # the same rate written two ways is not a reduction
        (Rate(D(48), D(50)), Rate(D(96), D(100)), "rate", False, "0.00", "0.00"),
        # 16/117 = 13.6752… %, 15/117 = 12.8205… %: 0.8547… points, 1/16 = 6.25 %
        (Rate(D(16), D(117)), Rate(D(15), D(117)), "rate", True, "0.85", "6.25"),
        # booleans and grades: changed or not, no figures
        (True, False, "boolean", True, None, None),
        (True, None, "boolean", False, None, None),
        ("优", "良", "grade", True, None, None),
        ("良", "良", "grade", False, None, None),
    ],
)
def test_each_line(claimed, verified, measure, reduced, difference, rate):
    line = work_out(entry(claimed, verified, measure))
    assert line.reduced is reduced
    assert line.difference == (None if difference is None else D(difference))
    assert line.rate == (None if rate is None else D(rate))


def test_the_verified_value_is_the_claimed_one_when_accepted():
    assert work_out(entry(D(7))).verified == D(7)
    assert work_out(entry(D(7), D(5))).verified == D(5)


def test_a_fraction_and_a_percent_compare_by_value():
    assert same_value(parse_rate("483/500"), parse_rate("96.6%"))
    assert not same_value(parse_rate("483/500"), parse_rate("96.5"))
    assert not same_value("是", True)


def test_half_up_on_an_exact_half():
    # 1/8 = 12.5 % exactly; 0.125 points of 1 → 12.50; 1 of 800 = 0.125 % → 0.13
    assert work_out(entry(D(800), D(799))).rate == D("0.13")
    assert work_out(entry(D(8), D(7))).rate == D("12.50")


LINES = lines_of(
    [
        entry(D(120), D(90), unit="u1", indicator="A2", deduction=D("2.5")),
        entry(D(10), None, unit="u2", indicator="A2"),
        entry(D(3), D(1), unit="u3", indicator="A2", deduction=D(1)),
        entry(Rate(D(483), D(500)), Rate(D(450), D(500)), "rate", unit="u1", indicator="A1"),
        entry(Rate(D(9), D(10)), None, "rate", unit="u2", indicator="A1"),
        entry("优", "良", "grade", unit="u1", indicator="B1"),
    ]
)


def test_totals_per_unit():
    assert per_unit(LINES) == (
        # u1: three items, all reduced; deductions 2.5; differences of different
        # indicators are not added
        LedgerTotals("u1", 3, 3, D("100.00"), D("2.5"), None),
        LedgerTotals("u2", 2, 0, D("0.00"), D(0), None),
        # u3: one item of one count indicator, so its difference stands: 3 − 1
        LedgerTotals("u3", 1, 1, D("100.00"), D(1), D("2.00")),
    )


def test_totals_per_indicator():
    assert per_indicator(LINES) == (
        # A2: 3 items, 2 reduced (66.67 %); 30 + 0 + 2 = 32 fewer; 3.5 points deducted
        LedgerTotals("A2", 3, 2, D("66.67"), D("3.5"), D("32.00")),
        # A1 (a rate): percentage points are not added across units
        LedgerTotals("A1", 2, 1, D("50.00"), D(0), None),
        LedgerTotals("B1", 1, 1, D("100.00"), D(0), None),
    )


def test_a_summed_difference_is_rounded_once():
    # 0.005 + 0.005 = 0.01: rounding each first (0.01 + 0.01) would say 0.02
    lines = lines_of(
        [
            entry(D("1.005"), D(1), "amount", unit="u1"),
            entry(D("1.005"), D(1), "amount", unit="u2"),
        ]
    )
    assert [line.difference for line in lines] == [D("0.01"), D("0.01")]
    assert per_indicator(lines)[0].difference == D("0.01")


def test_trend_per_year_earliest_first():
    lines = lines_of(
        [
            entry(D(5), D(4), year=2012),
            entry(D(5), None, year=2011, deduction=D(2)),
            entry(D(5), D(3), year=2011, unit="u2"),
            entry(D(5), None, year=2012, unit="u2"),
        ]
    )
    assert trend(lines) == (
        LedgerTotals(2011, 2, 1, D("50.00"), D(2), D("2.00")),
        LedgerTotals(2012, 2, 1, D("50.00"), D(0), D("1.00")),
    )


def test_no_lines_no_totals():
    assert per_unit([]) == () and trend([]) == ()
