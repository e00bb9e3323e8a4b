"""Totals, normalisation, missing and not-applicable indicators, bonus, veto, per-unit
overrides, ranking and the SPEC §4 result shape — each against numbers worked by hand."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scoring.engine import (
    UnitResult,
    rank_results,
    result_to_dict,
    score_unit,
    score_units,
)
from scoring.values import Rate

pytestmark = pytest.mark.pure

D = Decimal


@pytest.fixture(scope="module")
def county_set(build_set):
    """County weights 10 + 5 + 5 + 10 = 30; A5 applies to townships only, A6 to 410102 only."""
    return build_set(
        {
            "code": "A1",
            "measure": "rate",
            "rule": "linear",
            "target": 95,
            "floor": 60,
            "weight": 10,
        },
        {"code": "A2", "measure": "boolean", "rule": "threshold", "weight": 5},
        {"code": "A3", "measure": "count", "rule": "deduct", "per_item": 1, "weight": 5},
        {"code": "A4", "measure": "grade", "rule": "grade", "weight": 10},
        {
            "code": "A5",
            "measure": "amount",
            "rule": "threshold",
            "target": 1,
            "weight": 20,
            "applies_to": ["township"],
        },
        {
            "code": "A6",
            "measure": "amount",
            "rule": "threshold",
            "target": 1,
            "weight": 10,
            "applies_to": ["410102"],
        },
        {
            "code": "X1",
            "measure": "count",
            "rule": "bonus",
            "per_item": 2,
            "cap": 5,
            "applies_to": ["county"],
        },
        {"code": "X2", "measure": "boolean", "rule": "veto", "applies_to": ["county"]},
    )


GOOD = {"A1": Rate(D(175), D(200)), "A2": True, "A3": D(1), "A4": "良", "X1": D(2)}
PERFECT = {"A1": Rate(D(19), D(20)), "A2": True, "A3": D(0), "A4": "优"}


def test_a_unit_total(county_set):
    # A1 10 × (87.5 − 60) / 35 = 7.86; A2 5; A3 5 − 1 = 4; A4 10 × 0.8 = 8 → 24.86 of 30
    # → 100 × 24.86 / 30 = 82.8666… → 82.87; bonus X1 min(5, 2 × 2) = 4 → 86.87 良好
    result = score_unit(county_set, "410103", "county", GOOD)
    assert {code: item.score for code, item in result.scores.items()} == {
        "A1": D("7.86"),
        "A2": D("5.00"),
        "A3": D("4.00"),
        "A4": D("8.00"),
        "X1": D("4.00"),
        "X2": D("0.00"),
    }
    assert (result.base_total, result.bonus_total, result.total) == (
        D("82.87"),
        D("4.00"),
        D("86.87"),
    )
    assert (result.grade, result.veto, result.missing, result.rank) == ("良好", False, (), None)


def test_not_applicable_indicators_change_the_normalisation(county_set):
    # 410102 also has A6 (weight 10), reported as 0 → 24.86 of 40 → 62.15 + 4 = 66.15 合格
    result = score_unit(county_set, "410102", "county", GOOD | {"A6": D(0)})
    assert "A6" in result.scores and "A5" not in result.scores
    assert result.total == D("66.15")
    assert result.grade == "合格"
    # A township has only A5 (weight 20): 20 of 20 → 100; county values are ignored
    township = score_unit(county_set, "t-1", "township", GOOD | {"A5": D(3)})
    assert list(township.scores) == ["A5"]
    assert township.total == D("100.00")


def test_missing_values_score_zero_and_are_listed(county_set):
    # A1 60% = floor → 0; A2 否 → 0; A3 7 problems → 0; A4 missing → 0 → total 0
    result = score_unit(
        county_set, "410104", "county", {"A1": Rate(D(60), D(100)), "A2": False, "A3": D(7)}
    )
    assert result.total == D("0.00")
    assert result.missing == ("A4",)
    assert result.scores["A4"].missing is True
    assert result.scores["A4"].value is None
    # a missing bonus counts as 0 and a missing veto as false; neither is listed
    assert result.scores["X1"].score == D(0) and result.scores["X1"].missing is False
    assert result.veto is False
    assert result.grade == "不合格"


def test_a_value_of_none_is_missing(county_set):
    result = score_unit(county_set, "410104", "county", PERFECT | {"A4": None})
    # 10 + 5 + 5 + 0 = 20 of 30 → 66.67
    assert result.missing == ("A4",)
    assert result.total == D("66.67")


def test_bonus_can_take_the_total_above_100(county_set):
    # perfect base 30 of 30 → 100; X1 min(5, 2 × 3) = 5 → 105.00 优秀
    result = score_unit(county_set, "410105", "county", PERFECT | {"X1": D(3)})
    assert result.total == D("105.00")
    assert result.grade == "优秀"


def test_veto_forces_the_lowest_grade_whatever_the_total(county_set):
    result = score_unit(county_set, "410106", "county", PERFECT | {"X1": D(1), "X2": True})
    assert result.total == D("102.00")  # 100 + min(5, 2) — kept, shown, but vetoed
    assert result.veto is True
    assert result.grade == "不合格"
    assert result.scores["X2"].explanation.formula == "是 → 一票否决"


def test_no_values_at_all(county_set):
    result = score_unit(county_set, "410107", "county", {})
    assert result.total == D(0)
    assert result.missing == ("A1", "A2", "A3", "A4")


@pytest.mark.parametrize(
    ("overrides", "total"),
    [
        # A1 target 90: 10 × 27.5 / 30 = 9.17 → 9.17 + 5 + 4 + 8 = 26.17 of 30 → 87.23 + 4
        ({"A1": {"target": D(90)}}, "91.23"),
        # A4 weight 20: 16 → 7.86 + 5 + 4 + 16 = 32.86 of 40 → 82.15 + 4
        ({"A4": {"weight": D(20)}}, "86.15"),
        # A3 per_item 3: 5 − 3 = 2 → 22.86 of 30 → 76.20 + 4
        ({"A3": {"per_item": 3}}, "80.20"),
        # X1 cap 3: min(3, 4) = 3 → 82.87 + 3
        ({"X1": {"cap": D(3)}}, "85.87"),
    ],
)
def test_per_unit_overrides(county_set, overrides, total):
    result = score_unit(county_set, "410103", "county", GOOD, overrides)
    assert result.total == D(total)
    # the set itself is untouched: the next unit scores as before
    assert score_unit(county_set, "410103", "county", GOOD).total == D("86.87")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"A1": {"target": D(50)}}, "floor"),  # floor 60 no longer below the target
        ({"A1": {"rule": "ratio"}}, "不可调整字段"),
        ({"A5": {"weight": D(1)}}, "不适用"),
        ({"A4": {"weight": D(0)}}, "weight"),
    ],
)
def test_bad_overrides_are_refused(county_set, overrides, message):
    with pytest.raises(ValueError, match=message):
        score_unit(county_set, "410103", "county", GOOD, overrides)


def test_scores_mapping(county_set):
    scores = score_unit(county_set, "410103", "county", GOOD).scores
    assert list(scores) == ["A1", "A2", "A3", "A4", "X1", "X2"]  # set order
    assert len(scores) == 6
    assert "A5" not in scores and scores.get("A5") is None
    item = scores["A1"]
    assert (item.code, item.score, item.missing) == ("A1", D("7.86"), False)
    assert item.indicator.code == "A1"
    assert item.explanation.formula == "10 × (87.5 − 60) / (95 − 60) = 7.86"
    assert dict(scores)["A4"].score == D(8)


def test_grade_bands_are_inclusive_at_their_minimum(county_set):
    assert county_set.grade_for(D(90)) == "优秀"
    assert county_set.grade_for(D("89.99")) == "良好"
    assert county_set.grade_for(D(60)) == "合格"
    assert county_set.grade_for(D(0)) == "不合格"


def _result(unit, total, veto=False, kind="county"):
    return UnitResult(unit, kind, D(total), "", veto, {}, ())


def test_competition_ranks_with_ties_and_vetoes():
    results = [
        _result("c", "90.00"),
        _result("e", "99.00", veto=True),
        _result("a", "90.00"),
        _result("b", "95.50"),
        _result("f", "50.00", veto=True),
        _result("g", "50.00", veto=True),
        _result("d", "80.00"),
        _result("t2", "70.00", kind="township"),
        _result("dept", "60.00", kind="department"),
        _result("t1", "70.00", kind="township"),
    ]
    ranked = rank_results(results)
    assert [(r.unit, r.rank) for r in ranked] == [
        ("b", 1),
        ("a", 2),  # tie at 90: both rank 2, listed by unit code
        ("c", 2),
        ("d", 4),  # competition ranking skips 3
        ("e", 5),  # vetoed units after all others, whatever their total
        ("f", 6),
        ("g", 6),  # vetoed ties share a rank too
        ("dept", 1),  # each kind ranked on its own, kinds in SPEC order
        ("t1", 1),
        ("t2", 1),
    ]
    assert all(r.rank is None for r in results)  # inputs untouched


def test_score_units_ranks(county_set):
    units = [("410103", "county"), ("410105", "county"), ("410106", "county"), ("410107", "county")]
    values = {
        "410103": GOOD,  # 86.87
        "410105": PERFECT | {"X1": D(3)},  # 105.00
        "410106": PERFECT | {"X2": True},  # 100.00 but vetoed
        # 410107 reports nothing: 0, every scored indicator missing
    }
    ranked = score_units(county_set, units, values)
    assert [(r.unit, r.total, r.rank) for r in ranked] == [
        ("410105", D("105.00"), 1),
        ("410103", D("86.87"), 2),
        ("410107", D("0.00"), 3),
        ("410106", D("100.00"), 4),
    ]


def test_result_to_dict_is_the_spec_shape(county_set):
    ranked = score_units(county_set, [("410103", "county")], {"410103": GOOD})
    document = result_to_dict(ranked[0])
    assert document == {
        "unit": "410103",
        "kind": "county",
        "total": 86.87,
        "grade": "良好",
        "rank": 1,
        "veto": False,
        "scores": {"A1": 7.86, "A2": 5, "A3": 4, "A4": 8, "X1": 4, "X2": 0},
        "missing": [],
    }
    text = json.dumps(document)
    assert '"total": 86.87' in text and '"A2": 5,' in text


def test_plans_are_cached_per_kind(county_set):
    score_unit(county_set, "410199", "county", GOOD)
    plan = county_set._cache[("county", None)]
    score_unit(county_set, "410198", "county", GOOD)
    assert county_set._cache[("county", None)] is plan
    # a unit named in an applies_to gets its own plan
    score_unit(county_set, "410102", "county", GOOD)
    assert ("county", "410102") in county_set._cache
