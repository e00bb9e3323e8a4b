"""What a unit report says in words is worked out from its data (assess.reports.facts)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest

from assess.reports import facts, render
from assess.reports.data import CategoryScore, EvidenceRow, PreviousResult
from tests.reports import sample_reports

pytestmark = pytest.mark.pure


def _category(name: str, percent: str) -> CategoryScore:
    rate = Decimal(percent)
    return CategoryScore(name, name, rate / 10, Decimal(10), rate)


def test_one_best_and_one_worst():
    x = facts.category_extremes(
        [_category("甲", "90"), _category("乙", "70"), _category("丙", "80")]
    )
    assert (x.best, x.best_rate, x.worst, x.worst_rate) == (("甲",), 90, ("乙",), 70)
    assert not x.level


def test_ties_are_kept_in_the_sets_order():
    x = facts.category_extremes(
        [_category("甲", "70"), _category("乙", "90"), _category("丙", "70"), _category("丁", "90")]
    )
    assert x.best == ("乙", "丁") and x.worst == ("甲", "丙")


def test_level_categories_and_a_single_one():
    x = facts.category_extremes([_category("甲", "80"), _category("乙", "80")])
    assert x.level and x.best == x.worst == ("甲", "乙")
    assert facts.category_extremes([_category("甲", "80")]) is None
    assert facts.category_extremes([]) is None


def test_year_change_against_last_year():
    data = dataclasses.replace(
        sample_reports.sample_unit_report(0, indicator_count=8),
        total=Decimal("84.50"),
        rank=3,
        grade="良好",
        categories=(_category("甲", "90"), _category("乙", "70")),
        previous=PreviousResult(2010, Decimal("86.00"), "优秀", 1, 16, (("甲", Decimal("85")),)),
    )
    change = facts.year_change(data)
    assert change.total == Decimal("-1.50") and change.previous_total == Decimal("86.00")
    assert change.places == -2 and change.previous_rank == 1  # fell two places
    assert (change.grade, change.previous_grade) == ("良好", "优秀")
    assert change.categories == {"甲": Decimal("5")}  # 乙 is new this year: no change to show
    unranked = dataclasses.replace(data, rank=None)
    assert facts.year_change(unranked).places is None
    assert facts.year_change(dataclasses.replace(data, previous=None)) is None


def test_evidence_grouped_by_indicator_in_the_sets_order():
    rows = sample_reports.sample_unit_report(0, indicator_count=12).indicators
    at = datetime(2011, 11, 8)
    evidence = [
        EvidenceRow(rows[5].code, "后.pdf", "PDF", 1, at),
        EvidenceRow(rows[1].code, "前1.pdf", "PDF", 2, at),
        EvidenceRow("Z9", "孤立.pdf", "PDF", 1, at),
        EvidenceRow(rows[1].code, "前2.pdf", "PDF", 3, at),
    ]
    groups = facts.evidence_by_indicator(evidence, rows)
    assert [(g.code, g.name, [f.filename for f in g.files]) for g in groups] == [
        (rows[1].code, rows[1].name, ["前1.pdf", "前2.pdf"]),
        (rows[5].code, rows[5].name, ["后.pdf"]),
        ("Z9", "", ["孤立.pdf"]),
    ]


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        (date(2012, 3, 2), date(2012, 3, 2), "2012年3月2日"),
        (date(2012, 3, 2), date(2012, 3, 5), "2012年3月2日至5日"),
        (date(2012, 3, 30), date(2012, 4, 2), "2012年3月30日至4月2日"),
        (date(2011, 12, 30), date(2012, 1, 3), "2011年12月30日至2012年1月3日"),
    ],
)
def test_date_range_says_the_shared_year_and_month_once(first, last, words):
    assert render.cn_date_range(first, last) == words


def test_quoted_names_side_by_side():
    assert render.quoted(["甲", "乙"]) == "“甲”“乙”"
