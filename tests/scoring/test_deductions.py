"""Inspector deductions (扣分) in the engine: net score, floor at 0, explanation."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from scoring.engine import score_unit
from scoring.loader import load_indicator_set
from scoring.values import Rate

pytestmark = pytest.mark.pure

SET = load_indicator_set(Path(__file__).parent.parent / "data" / "cycle_set.yaml")
VALUES = {"A1": Rate(D(85), D(100)), "A2": D(5), "B1": "优"}


@pytest.mark.parametrize(
    ("deductions", "b1", "total"),
    [
        # A1 = 40 × 25/35 = 28.57, A2 = 30, B1 = 30 − deduction
        ({}, "30.00", "88.57"),
        ({"B1": D(3)}, "27.00", "85.57"),
        ({"B1": D(45)}, "0.00", "58.57"),  # never below 0
        ({"X1": D(2), "V1": D(1), "ZZ": D(1)}, "30.00", "88.57"),  # bonus/veto/unknown ignored
    ],
)
def test_deduction_reduces_the_indicator_score(deductions, b1, total):
    result = score_unit(SET, "u1", "county", VALUES, deductions=deductions)
    assert result.scores["B1"].score == D(b1)
    assert result.total == D(total)


def test_deduction_is_explained():
    result = score_unit(SET, "u1", "county", VALUES, deductions={"B1": D(3)})
    item = result.scores["B1"]
    assert item.deduction == D(3)
    assert "扣分 3" in item.explanation.formula and "27" in item.explanation.formula
    assert (
        item.explanation.basis == "评价为“优”，按分值的100%计，得30.00分；督查扣3.00分，实得27.00分"
    )
    assert result.scores["A1"].deduction == 0


def test_deduction_on_a_missing_value_changes_nothing():
    result = score_unit(SET, "u1", "county", {"A2": D(5)}, deductions={"A1": D(5)})
    assert result.scores["A1"].score == 0 and result.scores["A1"].deduction == 0
    assert "A1" in result.missing


@pytest.mark.parametrize(
    ("values", "deducted", "effective", "score"),
    [
        (VALUES, D(45), D(30), D(0)),  # 扣完为止: only the 30 points B1 scored come off
        ({**VALUES, "B1": "差"}, D(5), D(0), D(0)),  # an item at 0 loses nothing
        (VALUES, D("2.5"), D("2.5"), D("27.5")),
    ],
)
def test_the_deduction_reported_is_what_came_off(values, deducted, effective, score):
    result = score_unit(SET, "u1", "county", values, deductions={"B1": deducted})
    item = result.scores["B1"]
    assert (item.deduction, item.score) == (effective, score)
    if not effective:
        assert "扣分" not in item.explanation.formula
