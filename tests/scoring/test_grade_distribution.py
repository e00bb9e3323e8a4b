"""Counting grades (等次分布) over a set's bands."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from scoring.engine import grade_distribution
from scoring.model import GradeBand, IndicatorSet

pytestmark = pytest.mark.pure

BANDS = (
    GradeBand(D(90), "优秀"),
    GradeBand(D(80), "良好"),
    GradeBand(D(60), "合格"),
    GradeBand(D(0), "不合格"),
)


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        ([], (0, 0, 0, 0)),
        (["优秀", "合格", "优秀", "不合格"], (2, 0, 1, 1)),
        (["良好", "称职"], (0, 1, 0, 0)),  # a grade the set does not name is not counted
    ],
)
def test_every_band_best_first(grades, expected):
    parsed = IndicatorSet("p", 2012, "", BANDS, ())
    assert grade_distribution(parsed, grades) == tuple(
        zip(("优秀", "良好", "合格", "不合格"), expected, strict=True)
    )
