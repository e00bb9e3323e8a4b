"""Each scoring rule of SPEC §3 against hand-worked numbers, boundaries included, and the
formula each explanation shows ("why this score", 得分依据)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.engine import score_indicator
from scoring.rules import RULES
from scoring.values import Rate

pytestmark = pytest.mark.pure

D = Decimal


def rate(text: str) -> Rate:
    numerator, _sep, denominator = text.partition("/")
    return Rate(D(numerator), D(denominator))


THRESHOLD = {"rule": "threshold", "measure": "rate", "target": 95}
THRESHOLD_YES = {"rule": "threshold", "measure": "boolean"}
THRESHOLD_LOW = {"rule": "threshold", "measure": "amount", "target": 5, "direction": "lower"}
LINEAR = {"rule": "linear", "measure": "rate", "target": 95, "floor": 60}
LINEAR_100 = {"rule": "linear", "measure": "rate", "target": 100, "floor": 60}
LINEAR_LOW = {"rule": "linear", "measure": "amount", "target": 5, "floor": 8, "direction": "lower"}
RATIO = {"rule": "ratio", "measure": "count", "target": 4}
RATIO_RATE = {"rule": "ratio", "measure": "rate", "target": 95}
RATIO_LOW = {"rule": "ratio", "measure": "amount", "target": 500, "direction": "lower"}
TIERED = {
    "rule": "tiered",
    "measure": "rate",
    "weight": 8,
    "tiers": [{"min": 100, "score": 8}, {"min": 80, "score": 6}, {"min": 60, "score": 3}],
}
TIERED_LOW = {
    "rule": "tiered",
    "measure": "amount",
    "direction": "lower",
    "tiers": [{"max": 2, "score": 10}, {"max": 5, "score": 6}, {"max": 8, "score": 2}],
}
DEDUCT = {"rule": "deduct", "measure": "count", "per_item": 2}
GRADE = {"rule": "grade", "measure": "grade", "weight": 5}
GRADE_POINTS = GRADE | {"grade_points": {"良": "0.9", "中": "0.5"}}
BONUS = {"rule": "bonus", "measure": "count", "weight": 0, "per_item": 1, "cap": 3}
BONUS_YES = {"rule": "bonus", "measure": "boolean", "weight": 0, "per_item": 3, "cap": 3}
VETO = {"rule": "veto", "measure": "boolean", "weight": 0}

# (indicator fields, value, expected score); worked by hand in the comment of each row.
CASES = [
    # threshold 达标制, w = 10, t = 95
    (THRESHOLD, D(95), "10.00"),  # v = t → w
    (THRESHOLD, D("94.99"), "0.00"),  # just below
    (THRESHOLD, D(100), "10.00"),
    (THRESHOLD, rate("19/20"), "10.00"),  # 95%
    (THRESHOLD, rate("18/20"), "0.00"),  # 90%
    (THRESHOLD_YES, True, "10.00"),  # 是 meets it
    (THRESHOLD_YES, False, "0.00"),
    # threshold, direction lower, t = 5: w when v <= t
    (THRESHOLD_LOW, D(5), "10.00"),
    (THRESHOLD_LOW, D("5.01"), "0.00"),
    (THRESHOLD_LOW, D(0), "10.00"),
    # linear 比例折算, w = 10, t = 95, floor = 60
    (LINEAR, D(60), "0.00"),  # v = floor
    (LINEAR, D(59), "0.00"),  # below floor
    (LINEAR, D(95), "10.00"),  # v = t
    (LINEAR, D(100), "10.00"),
    # 10 × (94.9 − 60) / 35 = 9.9714… → 9.97 (just below target)
    (LINEAR, D("94.9"), "9.97"),
    # 10 × (87.5 − 60) / 35 = 7.857… → 7.86; 175/200 is 87.5%
    (LINEAR, rate("175/200"), "7.86"),
    # 10 × 0.01 / 35 = 0.00286 → 0.00
    (LINEAR, D("60.01"), "0.00"),
    # half-up, not half-even: 10 × (60.02 − 60) / (100 − 60) = 0.005 → 0.01
    (LINEAR_100, D("60.02"), "0.01"),
    # 10 × (60.06 − 60) / 40 = 0.015 → 0.02 (half-even would also say 0.02; 0.005 is the test)
    (LINEAR_100, D("60.06"), "0.02"),
    # linear, direction lower, t = 5, floor = 8: w × (8 − v) / (8 − 5)
    (LINEAR_LOW, D(5), "10.00"),
    (LINEAR_LOW, D(4), "10.00"),
    (LINEAR_LOW, D(8), "0.00"),
    (LINEAR_LOW, D(9), "0.00"),
    # 10 × (8 − 6) / 3 = 6.666… → 6.67
    (LINEAR_LOW, D(6), "6.67"),
    # 10 × (8 − 5.01) / 3 = 9.9666… → 9.97 (just worse than target)
    (LINEAR_LOW, D("5.01"), "9.97"),
    # ratio 完成率, w = 10, t = 4: w × min(1, v / t)
    (RATIO, D(3), "7.50"),
    (RATIO, D(4), "10.00"),
    (RATIO, D(5), "10.00"),
    (RATIO, D(0), "0.00"),
    # 10 × 87.5 / 95 = 9.2105… → 9.21
    (RATIO_RATE, rate("175/200"), "9.21"),
    # ratio, direction lower, t = 500: w × min(1, t / v), w when v is 0
    (RATIO_LOW, D(500), "10.00"),
    (RATIO_LOW, D(400), "10.00"),
    (RATIO_LOW, D(0), "10.00"),
    # 10 × 500 / 620 = 8.0645… → 8.06
    (RATIO_LOW, D(620), "8.06"),
    (RATIO_LOW, D(1000), "5.00"),
    # tiered 分档, tiers 100 → 8, 80 → 6, 60 → 3 (w = 8)
    (TIERED, D(100), "8.00"),
    (TIERED, D("99.99"), "6.00"),
    (TIERED, D(80), "6.00"),
    (TIERED, D("79.99"), "3.00"),
    (TIERED, D("59.99"), "0.00"),
    # tiered, direction lower: tiers carry max, first with v <= max wins
    (TIERED_LOW, D(0), "10.00"),
    (TIERED_LOW, D(2), "10.00"),
    (TIERED_LOW, D("2.5"), "6.00"),
    (TIERED_LOW, D(8), "2.00"),
    (TIERED_LOW, D("8.01"), "0.00"),
    # deduct 扣分制, w = 10, per_item = 2: max(0, 10 − 2v)
    (DEDUCT, D(0), "10.00"),
    (DEDUCT, D(3), "4.00"),
    (DEDUCT, D(5), "0.00"),
    (DEDUCT, D(6), "0.00"),  # never below 0
    (DEDUCT | {"per_item": "1.5"}, D(3), "5.50"),
    # grade 定性评价, w = 5: 优 1.0, 良 0.8, 中 0.6, 差 0
    (GRADE, "优", "5.00"),
    (GRADE, "良", "4.00"),
    (GRADE, "中", "3.00"),
    (GRADE, "差", "0.00"),
    # 3.33 × 0.8 = 2.664 → 2.66
    (GRADE | {"weight": "3.33"}, "良", "2.66"),
    # grade_points override only what it names: 良 0.9 → 4.50, 中 0.5 → 2.50, 优 stays 1.0
    (GRADE_POINTS, "良", "4.50"),
    (GRADE_POINTS, "中", "2.50"),
    (GRADE_POINTS, "优", "5.00"),
    # bonus 加分项: min(cap, per_item × v)
    (BONUS, D(0), "0.00"),
    (BONUS, D(2), "2.00"),
    (BONUS, D(3), "3.00"),
    (BONUS, D(5), "3.00"),
    (BONUS | {"measure": "amount", "per_item": "0.5", "cap": 2}, D(3), "1.50"),
    (BONUS_YES, True, "3.00"),
    (BONUS_YES, False, "0.00"),
    # A rate's exact value is rounded, not its percent (SPEC §3): 16/117 is 13.6752…%, and
    # 10 × 4 / 13.6752… is exactly 10 × 4 × 117 / 1600 = 2.925 → 2.93 (rounding the
    # 28-digit percent first gave 2.92); 8/21 against 30: 10 × 30 × 21 / 800 = 7.875 → 7.88.
    (RATIO_RATE | {"target": 4, "direction": "lower"}, rate("16/117"), "2.93"),
    (RATIO_RATE | {"target": 30, "direction": "lower"}, rate("8/21"), "7.88"),
    (RATIO_RATE | {"target": 4, "direction": "lower"}, rate("4/100"), "10.00"),
    (RATIO_RATE | {"target": 4, "direction": "lower"}, rate("0/117"), "10.00"),
    # veto 一票否决 scores nothing itself
    (VETO, True, "0.00"),
    (VETO, False, "0.00"),
]


@pytest.mark.parametrize(("fields", "value", "expected"), CASES)
def test_rule_scores(build_indicator, fields, value, expected):
    indicator = build_indicator(**({"weight": 10} | fields))
    result = score_indicator(indicator, value)
    assert result.score == Decimal(expected)
    assert str(result.score) == expected  # always two places
    assert result.missing is False


# (indicator fields, value, formula shown); the numbers are the hand-worked ones above.
FORMULAS = [
    (LINEAR, rate("175/200"), "10 × (87.5 − 60) / (95 − 60) = 7.86"),
    (LINEAR, D(95), "95 ≥ 95（目标）→ 10.00"),
    (LINEAR, D(60), "60 ≤ 60（下限）→ 0.00"),
    (LINEAR_LOW, D(6), "10 × (8 − 6) / (8 − 5) = 6.67"),
    (LINEAR_LOW, D(9), "9 ≥ 8（上限）→ 0.00"),
    # 2/3 is 66.666…%: shown to 4 places; 10 × 6.6667 / 35 = 1.90
    (LINEAR, rate("2/3"), "10 × (66.6667 − 60) / (95 − 60) = 1.90"),
    (THRESHOLD, D("94.99"), "94.99 < 95，未达标 → 0.00"),
    (THRESHOLD, D(96), "96 ≥ 95，达标 → 10.00"),
    (THRESHOLD_LOW, D(3), "3 ≤ 5，达标 → 10.00"),
    (THRESHOLD_YES, False, "否，未达标 → 0.00"),
    (RATIO, D(3), "10 × min(1, 3 / 4) = 7.50"),
    (RATIO_LOW | {"weight": 8}, D(620), "8 × min(1, 500 / 620) = 6.45"),
    (TIERED, D("99.99"), "99.99 ≥ 80（第 2 档）→ 6.00"),
    (TIERED, D(50), "50 < 60（未达最低档）→ 0.00"),
    (TIERED_LOW, D(9), "9 > 8（未达最低档）→ 0.00"),
    (TIERED_LOW, D(1), "1 ≤ 2（第 1 档）→ 10.00"),
    (DEDUCT, D(3), "max(0, 10 − 2 × 3) = 4.00"),
    (GRADE, "良", "良：5 × 0.8 = 4.00"),
    (BONUS, D(5), "min(3, 1 × 5) = 3.00"),
    (VETO, True, "是 → 一票否决"),
    (VETO, False, "否 → 不否决"),
]


@pytest.mark.parametrize(("fields", "value", "formula"), FORMULAS)
def test_explanation_formula(build_indicator, fields, value, formula):
    indicator = build_indicator(**({"weight": 10} | fields))
    explanation = score_indicator(indicator, value).explanation
    assert explanation.formula == formula
    assert explanation.rule == fields["rule"]
    assert explanation.source == "条款 X"


# (indicator fields, value, 得分依据 as a printed report reads it): plain Chinese, figures
# to 2 decimals (2/3 is 66.67%, not 66.6667), no max(0, …) or arrows.
BASES = [
    (LINEAR, rate("175/200"), "87.5%，在下限60%与目标值95%之间，按比例折算得7.86分"),
    (LINEAR, D(95), "95%，达到目标值95%，得满分10.00分"),
    (LINEAR, D(60), "60%，未超过下限60%，得0.00分"),
    (LINEAR_LOW, D(6), "6，在目标值5与上限8之间，按比例折算得6.67分"),
    (LINEAR_LOW, D(9), "9，达到上限8，得0.00分"),
    (LINEAR, rate("2/3"), "66.67%，在下限60%与目标值95%之间，按比例折算得1.90分"),
    (THRESHOLD, D("94.99"), "94.99%，未达到目标值95%，得0.00分"),
    (THRESHOLD_LOW, D(3), "3，不高于目标值5，达标，得10.00分"),
    (THRESHOLD_YES, False, "为“否”，未达标，得0.00分"),
    (RATIO, D(3), "3，完成目标值4的75%，按完成率折算得7.50分"),
    (RATIO_LOW | {"weight": 8}, D(620), "620，高于目标值500，按目标值与实际值之比折算得6.45分"),
    (TIERED, D("99.99"), "99.99%，达到第2档（不低于80%），得6.00分"),
    (TIERED, D(50), "50%，未达到最低档（60%），得0.00分"),
    (TIERED_LOW, D(1), "1，达到第1档（不高于2），得10.00分"),
    (DEDUCT, D(3), "发现问题3个，每个扣2.00分，得4.00分"),
    (DEDUCT, D(6), "发现问题6个，每个扣2.00分，扣完为止，得0.00分"),
    (GRADE, "良", "评价为“良”，按分值的80%计，得4.00分"),
    (BONUS, D(5), "加分事项5项，每项加1.00分，最多加3.00分，加3.00分"),
    (BONUS, D(0), "无加分事项，不加分"),
    (VETO, True, "发生一票否决事项，等次定为最低等次"),
    (VETO, False, "未发生一票否决事项"),
]


@pytest.mark.parametrize(("fields", "value", "basis"), BASES)
def test_explanation_in_plain_chinese(build_indicator, fields, value, basis):
    indicator = build_indicator(**({"weight": 10} | fields))
    assert score_indicator(indicator, value).explanation.basis == basis


@pytest.mark.parametrize(("fields", "value", "formula"), FORMULAS)
def test_plain_explanations_have_no_formula_signs(build_indicator, fields, value, formula):
    basis = score_indicator(build_indicator(**({"weight": 10} | fields)), value).explanation.basis
    assert basis and not any(sign in basis for sign in ("max(", "min(", "→", " × ", "6667"))


def test_explanation_inputs_of_a_rate(build_indicator):
    indicator = build_indicator(rule="linear", measure="rate", weight=10, target=95, floor=60)
    inputs = score_indicator(indicator, rate("175/200")).explanation.inputs
    assert inputs == {
        "numerator": D(175),
        "denominator": D(200),
        "value": D("87.5"),
        "weight": D(10),
        "target": D(95),
        "floor": D(60),
    }


def test_missing_value_explains_itself(build_indicator):
    indicator = build_indicator(rule="threshold", measure="rate", weight=10, target=95)
    result = score_indicator(indicator, None)
    assert (result.score, result.missing) == (D(0), True)
    assert result.explanation.formula == "未填报 → 0.00"
    assert result.explanation.basis == "未填报，得0.00分"


def test_a_missing_bonus_is_not_missing(build_indicator):
    indicator = build_indicator(rule="bonus", measure="count", per_item=1, cap=3)
    assert score_indicator(indicator, None).missing is False


def test_a_percent_typed_as_a_decimal_scores_like_the_rate(build_indicator):
    indicator = build_indicator(rule="linear", measure="rate", weight=10, target=95, floor=60)
    assert (
        score_indicator(indicator, D("87.5")).score == score_indicator(indicator, rate("7/8")).score
    )


def test_every_rule_is_in_the_one_registry():
    assert set(RULES) == {
        "threshold",
        "linear",
        "ratio",
        "tiered",
        "deduct",
        "grade",
        "bonus",
        "veto",
    }
    for function in RULES.values():
        assert callable(function)
        assert isinstance(function.requires, tuple)
        assert function.measures
