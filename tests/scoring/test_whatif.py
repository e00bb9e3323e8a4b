"""What-if simulation (权重模拟): last year's values under a draft set and edited weights,
against figures worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.engine import rank_results, score_unit
from scoring.values import Rate
from scoring.whatif import (
    Baseline,
    Standing,
    WeightError,
    check_weights,
    reweighted,
    simulate,
    standing_of,
)

pytestmark = pytest.mark.pure

D = Decimal

A1 = {"code": "A1", "measure": "rate", "rule": "linear", "target": 95, "floor": 60, "weight": 40}
A2 = {"code": "A2", "measure": "count", "rule": "threshold", "target": 4, "weight": 30}
B1 = {"code": "B1", "measure": "grade", "rule": "grade", "weight": 30}
V1 = {"code": "V1", "measure": "boolean", "rule": "veto", "weight": 0}
X1 = {"code": "X1", "measure": "count", "rule": "bonus", "per_item": 1, "cap": 3, "weight": 0}

VALUES = {
    "U1": {"A1": Rate(D(90), D(100)), "A2": D(5), "B1": "良"},
    "U2": {"A1": Rate(D(70), D(100)), "A2": D(4), "B1": "优"},
    "U3": {"A1": Rate(D(95), D(100)), "A2": D(3), "B1": "中"},
}


@pytest.fixture(scope="module")
def previous(build_set):
    return build_set(A1, A2, B1, V1, X1)


def baselines(indicator_set, values=VALUES, kinds=None, deductions=None):
    """Each unit as publishing ``values`` under ``indicator_set`` would have stored it."""
    kinds = kinds or {}
    deductions = deductions or {}
    results = rank_results(
        score_unit(
            indicator_set, code, kinds.get(code, "county"), v, deductions=deductions.get(code)
        )
        for code, v in values.items()
    )
    return [
        Baseline(r.unit, r.kind, standing_of(r), values[r.unit], deductions.get(r.unit))
        for r in results
    ]


def by_unit(simulation):
    return {u.unit: u for u in simulation.units}


def test_the_saved_set_unedited_changes_nothing(previous):
    # U1: 40 × 30/35 = 34.29, 30, 0.8 × 30 = 24 → 88.29; U2: 11.43 + 30 + 30 = 71.43;
    # U3: 40 + 0 + 18 = 58.00.
    simulation = simulate(previous, previous, baselines(previous))
    assert [(u.unit, u.before, u.after) for u in simulation.units] == [
        ("U1", Standing(D("88.29"), "良好", 1), Standing(D("88.29"), "良好", 1)),
        ("U2", Standing(D("71.43"), "合格", 2), Standing(D("71.43"), "合格", 2)),
        ("U3", Standing(D("58.00"), "不合格", 3), Standing(D("58.00"), "不合格", 3)),
    ]
    assert simulation.grade_changes == ()
    assert [(s.kind, s.saved, s.edited, s.changed) for s in simulation.weight_sums] == [
        ("county", D(100), D(100), False)
    ]


def test_edited_weights_rescore_and_list_who_changes_grade(previous):
    weights = check_weights(previous, {"A1": "20", "A2": "50", "B1": ""})
    simulation = simulate(previous, previous, baselines(previous), weights)
    units = by_unit(simulation)
    # U1: 20 × 30/35 = 17.14, 50, 24 → 91.14; U2: 20 × 10/35 = 5.71, 50, 30 → 85.71;
    # U3: 20, 0, 18 → 38.00. The weights still sum to 100.
    assert units["U1"].after == Standing(D("91.14"), "优秀", 1)
    assert units["U2"].after == Standing(D("85.71"), "良好", 2)
    assert units["U3"].after == Standing(D("38.00"), "不合格", 3)
    assert [u.delta for u in simulation.units] == [D("2.85"), D("14.28"), D("-20.00")]
    assert [u.unit for u in simulation.grade_changes] == ["U1", "U2"]
    assert [u.rank_shift for u in simulation.units] == [0, 0, 0]
    assert not simulation.weight_sums[0].changed


def test_weights_summing_to_another_total_are_normalised_and_shown(previous):
    weights = check_weights(previous, {"A1": "20", "A2": "60"})
    simulation = simulate(previous, previous, baselines(previous), weights)
    units = by_unit(simulation)
    # U1: (17.14 + 60 + 24) / 110 × 100 = 91.9454… → 91.95; U3: 38 / 110 × 100 = 34.55.
    assert units["U1"].after.total == D("91.95")
    assert units["U3"].after.total == D("34.55")
    [total] = simulation.weight_sums
    assert (total.saved, total.edited, total.changed) == (D(100), D(110), True)


def test_ranks_follow_the_engine_ties_by_code_and_vetoed_units_last(previous):
    values = dict(VALUES) | {
        "U0": dict(VALUES["U3"]),  # ties with U3 after, listed first by its code
        "U4": dict(VALUES["U1"]) | {"V1": True},  # vetoed: last whatever its total
    }
    weights = {"A1": D(70), "A2": D(0)}
    simulation = simulate(previous, previous, baselines(previous, values), weights)
    # U1: 70 × 30/35 = 60, 0, 24 → 84/100 = 84.00; U2: 20 + 0 + 30 = 50.00;
    # U3 and U0: 70 + 0 + 18 = 88.00; U4: 84.00 but vetoed.
    assert [(u.unit, u.after.total, u.after.rank) for u in simulation.units] == [
        ("U0", D("88.00"), 1),
        ("U3", D("88.00"), 1),
        ("U1", D("84.00"), 3),
        ("U2", D("50.00"), 4),
        ("U4", D("84.00"), 5),
    ]
    units = by_unit(simulation)
    assert units["U4"].after.grade == "不合格" and units["U4"].after.veto
    # Before, U0 and U3 tied third (58.00) behind U1 and U2.
    assert units["U3"].before.rank == 3 and units["U3"].rank_shift == 2
    assert units["U1"].rank_shift == -2


def test_new_indicators_score_missing_and_changed_measures_are_dropped(previous, build_set):
    b1_count = B1 | {"measure": "count", "rule": "threshold", "target": 1}
    c1 = {"code": "C1", "measure": "boolean", "rule": "threshold", "weight": 20}
    draft = build_set(A1, A2, b1_count, c1, V1)
    simulation = simulate(previous, draft, baselines(previous))
    assert simulation.new_indicators == ("C1",)
    assert simulation.dropped == ("B1",)
    # U1: 34.29 + 30 + 0 + 0 = 64.29 of 120 → 53.575 → 53.58 (half-up).
    assert by_unit(simulation)["U1"].after == Standing(D("53.58"), "不合格", 1)
    assert simulation.weight_sums[0].saved == D(120)


def test_deductions_are_made_again_at_most_the_new_score(previous):
    deductions = {"U1": {"A2": D(5), "A1": D(30)}}
    base = baselines(previous, deductions=deductions)
    # Before: A1 34.29 − 30 = 4.29, A2 30 − 5 = 25, B1 24 → 53.29.
    assert base[[b.unit for b in base].index("U1")].standing.total == D("53.29")
    simulation = simulate(previous, previous, base, {"A1": D(20), "A2": D(50)})
    # After: A1 17.14 − 30 → 0 (扣完为止), A2 50 − 5 = 45, B1 24 → 69.00.
    assert by_unit(simulation)["U1"].after.total == D("69.00")


def test_a_unit_own_weight_wins_over_the_edited_one(previous):
    overrides = {"U3": {"A1": {"weight": D(40)}}}
    simulation = simulate(previous, previous, baselines(previous), {"A1": D(20)}, overrides)
    # U3 keeps A1 at 40: 40 + 0 + 18 = 58 of 100, not 38 of 80.
    assert by_unit(simulation)["U3"].after.total == D("58.00")
    # U1: 17.14 + 30 + 24 = 71.14 of 80 → 88.925 → 88.93.
    assert by_unit(simulation)["U1"].after.total == D("88.93")


def test_units_the_draft_does_not_assess_are_left_out(previous):
    kinds = {"U2": "department"}
    simulation = simulate(previous, previous, baselines(previous, kinds=kinds))
    assert simulation.not_assessed == ("U2",)
    assert [u.unit for u in simulation.units] == ["U1", "U3"]
    assert simulation.kinds() == ("county",)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"Z9": "10"}, "指标体系中没有指标 Z9"),
        ({"X1": "1"}, "加分项和一票否决项没有权重"),
        ({"V1": "1"}, "加分项和一票否决项没有权重"),
        ({"A1": "abc"}, "权重须为数字"),
        ({"A1": "NaN"}, "权重须为数字"),
        ({"A1": "Infinity"}, "权重须为数字"),
        ({"A1": "-1"}, "权重不能为负数"),
        ({"A1": "1.234"}, "权重最多保留 2 位小数"),
        ({"A1": "1000000"}, "权重过大"),
    ],
)
def test_bad_weights_are_refused_with_the_reason(previous, typed, message):
    with pytest.raises(WeightError) as refused:
        check_weights(previous, typed)
    assert list(refused.value.errors.values()) == [message]
    assert list(refused.value.errors) == list(typed)


def test_good_weights_are_read_and_blanks_left_out(previous):
    assert check_weights(previous, {"A1": " 12.50 ", "A2": "0", "B1": " "}) == {
        "A1": D("12.50"),
        "A2": D(0),
    }


def test_every_bad_weight_is_listed_at_once(previous):
    with pytest.raises(WeightError) as refused:
        check_weights(previous, {"A1": "-1", "A2": "x", "B1": "5"})
    assert set(refused.value.errors) == {"A1", "A2"}


def test_reweighting_leaves_the_set_as_it_was(previous):
    edited = reweighted(previous, {"A1": D(20)})
    assert edited.indicator("A1").weight == D(20)
    assert previous.indicator("A1").weight == D(40)
    assert reweighted(previous, {}) is previous
