"""Properties of the engine over generated indicators, values and sets (hypothesis):
base scores within [0, weight] at two places, monotone in the value, totals within
[0, 100 + Σ bonus caps], and sets and values that survive writing and reading back.

No deadlines: the test machine is shared, and a slow example is not a wrong one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scoring.dumper import dump_indicator_set
from scoring.engine import score_indicator, score_unit
from scoring.indicator_checks import check_indicator
from scoring.loader import parse_indicator_set
from scoring.model import GRADE_LEVELS, Category, GradeBand, Indicator, IndicatorSet, Tier
from scoring.values import Rate, format_value, parse_value

pytestmark = pytest.mark.pure

D = Decimal
CENT = D("0.01")

weights = st.decimals(min_value=D("0.01"), max_value=100, places=2)
percents = st.decimals(min_value=0, max_value=100, places=2)
amounts = st.decimals(min_value=0, max_value=10_000, places=3)
counts = st.integers(min_value=0, max_value=1_000).map(D)


@st.composite
def rates(draw):
    denominator = draw(st.integers(min_value=1, max_value=100_000))
    numerator = draw(st.integers(min_value=0, max_value=denominator))
    return Rate(D(numerator), D(denominator))


def _indicator(**fields) -> Indicator:
    indicator = Indicator(code="X", name="x", category_code="A", applies_to=("county",), **fields)
    assert check_indicator(indicator) == []
    return indicator


@st.composite
def numeric_indicators(draw, direction=None):
    """A valid threshold, linear, ratio or tiered indicator on an amount."""
    rule = draw(st.sampled_from(["threshold", "linear", "ratio", "tiered"]))
    direction = direction or draw(st.sampled_from(["higher", "lower"]))
    weight = draw(weights)
    target = draw(st.decimals(min_value=D("0.01"), max_value=1000, places=2))
    fields = {"measure": "amount", "rule": rule, "direction": direction, "weight": weight}
    if rule == "tiered":
        bounds = draw(
            st.lists(
                st.decimals(min_value=0, max_value=1000, places=2),
                min_size=1,
                max_size=5,
                unique=True,
            )
        )
        bounds.sort(reverse=direction == "higher")
        scores = draw(
            st.lists(
                st.decimals(min_value=0, max_value=weight, places=2),
                min_size=len(bounds),
                max_size=len(bounds),
            )
        )
        scores.sort(reverse=True)
        fields["tiers"] = tuple(Tier(b, s) for b, s in zip(bounds, scores, strict=True))
        return _indicator(**fields)
    fields["target"] = target
    if rule == "linear":
        gap = draw(st.decimals(min_value=D("0.01"), max_value=1000, places=2))
        if direction == "higher":
            assume(target - gap >= 0)
            fields["floor"] = target - gap
        else:
            fields["floor"] = target + gap
    return _indicator(**fields)


@st.composite
def any_indicator_and_value(draw):
    kind = draw(st.sampled_from(["numeric", "rate", "deduct", "grade", "boolean"]))
    if kind == "numeric":
        return draw(numeric_indicators()), draw(amounts)
    weight = draw(weights)
    if kind == "rate":
        target = draw(st.decimals(min_value=1, max_value=100, places=2))
        floor = draw(st.decimals(min_value=0, max_value=target - CENT, places=2))
        return _indicator(
            measure="rate", rule="linear", weight=weight, target=target, floor=floor
        ), draw(rates())
    if kind == "deduct":
        per_item = draw(st.decimals(min_value=D("0.01"), max_value=20, places=2))
        return _indicator(measure="count", rule="deduct", weight=weight, per_item=per_item), draw(
            counts
        )
    if kind == "grade":
        return _indicator(measure="grade", rule="grade", weight=weight), draw(
            st.sampled_from(GRADE_LEVELS)
        )
    return _indicator(measure="boolean", rule="threshold", weight=weight), draw(st.booleans())


@given(any_indicator_and_value())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_base_score_is_within_zero_and_the_weight(case):
    indicator, value = case
    score = score_indicator(indicator, value).score
    assert D(0) <= score <= indicator.weight
    assert score == score.quantize(CENT)
    assert score.as_tuple().exponent == -2


@given(numeric_indicators(direction="higher"), amounts, amounts)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_higher_is_better_rules_are_monotone(indicator, a, b):
    low, high = sorted((a, b))
    assert score_indicator(indicator, low).score <= score_indicator(indicator, high).score


@given(numeric_indicators(direction="lower"), amounts, amounts)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_lower_is_better_rules_mirror_it(indicator, a, b):
    low, high = sorted((a, b))
    assert score_indicator(indicator, low).score >= score_indicator(indicator, high).score


@given(weights, st.decimals(min_value=D("0.01"), max_value=20, places=2), counts, counts)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_more_problems_never_score_more(weight, per_item, a, b):
    indicator = _indicator(measure="count", rule="deduct", weight=weight, per_item=per_item)
    few, many = sorted((a, b))
    assert score_indicator(indicator, few).score >= score_indicator(indicator, many).score


@given(weights, st.sampled_from(GRADE_LEVELS), st.sampled_from(GRADE_LEVELS))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_better_grade_never_scores_less(weight, a, b):
    indicator = _indicator(measure="grade", rule="grade", weight=weight)
    better, worse = sorted((a, b), key=GRADE_LEVELS.index)
    assert score_indicator(indicator, better).score >= score_indicator(indicator, worse).score


@st.composite
def sets_with_values(draw):
    """A county set of 1–8 indicators (some bonus, maybe a veto) and values for a unit,
    some missing."""
    pairs = draw(st.lists(any_indicator_and_value(), min_size=1, max_size=8))
    indicators, values = [], {}
    for number, (indicator, value) in enumerate(pairs, start=1):
        code = f"I{number}"
        indicators.append(Indicator(**{**_fields(indicator), "code": code}))
        if draw(st.booleans()) or number == 1:
            values[code] = value
    caps = D(0)
    for number in range(draw(st.integers(min_value=0, max_value=2))):
        cap = draw(st.decimals(min_value=D("0.01"), max_value=20, places=2))
        per_item = draw(st.decimals(min_value=D("0.01"), max_value=10, places=2))
        bonus = _indicator(measure="count", rule="bonus", per_item=per_item, cap=cap)
        code = f"B{number}"
        indicators.append(Indicator(**{**_fields(bonus), "code": code}))
        values[code] = draw(counts)
        caps += cap
    if draw(st.booleans()):
        indicators.append(
            Indicator(
                code="V",
                name="v",
                category_code="A",
                applies_to=("county",),
                measure="boolean",
                rule="veto",
            )
        )
        values["V"] = draw(st.booleans())
    grades = (GradeBand(D(90), "优秀"), GradeBand(D(60), "合格"), GradeBand(D(0), "不合格"))
    indicator_set = IndicatorSet("p", 2011, "s", grades, (Category("A", "a", tuple(indicators)),))
    return indicator_set, values, caps


def _fields(indicator: Indicator) -> dict:
    return {name: getattr(indicator, name) for name in Indicator.__dataclass_fields__}


@given(sets_with_values())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_totals_stay_within_zero_and_100_plus_the_bonus_caps(case):
    indicator_set, values, caps = case
    result = score_unit(indicator_set, "u", "county", values)
    assert D(0) <= result.total <= D(100) + caps
    assert result.total == result.total.quantize(CENT)
    if result.veto:
        assert result.grade == "不合格"
    # the total is built from the rounded indicator scores
    base = sum((item.score for item in result.scores.values() if item.indicator.is_base), D(0))
    weights_sum = sum((i.weight for i in indicator_set.indicators() if i.is_base), D(0))
    if weights_sum:
        assert result.base_total == (base * 100 / weights_sum).quantize(CENT, "ROUND_HALF_UP")


@given(sets_with_values())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_set_survives_writing_and_reading_back(case):
    indicator_set = case[0]
    assert parse_indicator_set(dump_indicator_set(indicator_set)) == indicator_set


printable = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@given(printable, printable, st.lists(printable, max_size=3))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_survives_writing_and_reading_back(name, source, evidence):
    indicator = Indicator(
        code="X", name=name, category_code="A", applies_to=("county",), measure="grade",
        weight=D(5), rule="grade", evidence=tuple(evidence), source=source,
    )  # fmt: skip
    indicator_set = IndicatorSet(
        name, 2011, source, (GradeBand(D(0), "合格"),), (Category("A", name, (indicator,)),)
    )
    assert parse_indicator_set(dump_indicator_set(indicator_set)) == indicator_set


@given(rates())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_rate_survives_formatting_and_parsing(value):
    indicator = _indicator(measure="rate", rule="threshold", weight=D(1), target=D(50))
    assert parse_value(indicator, format_value(value)) == value
