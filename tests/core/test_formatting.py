"""The one number formatter and the local-time helpers of ``assess.core.formatting``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from flask_babel import get_babel

from assess.core import formatting
from assess.core.formatting import plain_number
from scoring.values import MAX_PLAIN_ZEROS

PLAIN_NUMBERS = [
    # (value, shown)
    (None, ""),
    (Decimal("10.0"), "10"),
    (Decimal("2.50"), "2.5"),
    (Decimal("1.50"), "1.5"),
    (Decimal("87.5"), "87.5"),
    (Decimal("0"), "0"),
    (Decimal("0.000"), "0"),
    (Decimal("-0"), "0"),
    (Decimal("-0.00"), "0"),
    (Decimal("0E+5"), "0"),
    (Decimal("1E+2"), "100"),
    (Decimal("3E+1"), "30"),
    (Decimal("1.20E+3"), "1200"),
    (Decimal("1E-5"), "0.00001"),
    (Decimal("-2.500"), "-2.5"),
    (Decimal("123456789012345678901234567890.10"), "123456789012345678901234567890.1"),
    (3, "3"),
    (-7, "-7"),
    (0.1, "0.1"),
    (89.125, "89.125"),
    (Decimal("1E+999"), "1" + "0" * 999),
    (Decimal(f"1E+{MAX_PLAIN_ZEROS}"), "1" + "0" * MAX_PLAIN_ZEROS),
    (Decimal(f"1E+{MAX_PLAIN_ZEROS + 1}"), f"1E+{MAX_PLAIN_ZEROS + 1}"),
    (Decimal("1.5E+999999999"), "1.5E+999999999"),
    (Decimal("-25E+999999999"), "-2.5E+1000000000"),
    (Decimal("1E-999999999"), "1E-999999999"),
    (Decimal("NaN"), "NaN"),
    (Decimal("-Infinity"), "-Infinity"),
]


@pytest.mark.pure
@pytest.mark.parametrize(("value", "shown"), PLAIN_NUMBERS)
def test_plain_number(value, shown):
    assert plain_number(value) == shown


@pytest.mark.pure
@pytest.mark.parametrize(("value", "shown"), [v for v in PLAIN_NUMBERS if v[0] is not None])
def test_a_plain_number_reads_back_as_the_same_number(value, shown):
    if isinstance(value, Decimal) and value.is_nan():
        assert Decimal(shown).is_nan()
    else:
        assert Decimal(shown) == Decimal(repr(value) if isinstance(value, float) else value)


def test_local_time_is_babels_timezone(app):
    with app.app_context():
        assert get_babel(app).default_timezone == formatting.LOCAL_TIMEZONE == "Asia/Shanghai"
        # Stored times are naive UTC; Beijing is 8 hours ahead and the day rolls over.
        assert formatting.local_time(datetime(2011, 11, 8, 17, 30, 59)) == "2011-11-09 01:30"
        assert formatting.local_date(datetime(2011, 11, 8, 17, 30)).isoformat() == "2011-11-09"
        assert formatting.local_time(None) == ""


def test_pages_and_background_work_read_the_same_clock(app):
    """A job or a command (no request) shows the same wall time as a page."""
    stored = datetime(2011, 11, 8, 17, 30)
    outside = formatting.local_time(stored)
    with app.test_request_context("/"):
        assert formatting.local_time(stored) == outside == "2011-11-09 01:30"


@pytest.mark.pure
def test_outside_an_app_the_local_timezone_is_used():
    assert formatting.local_time(datetime(2011, 11, 8, 17, 30)) == "2011-11-09 01:30"
    assert formatting.local_date(datetime(2011, 11, 8, 15, 59)).isoformat() == "2011-11-08"


INDICATOR_VALUES = [
    # (stored text, measure, shown)
    ("35/40", "rate", "87.5%（35/40）"),
    ("85/100", "rate", "85%（85/100）"),
    ("1/3", "rate", "33.33%（1/3）"),  # two decimals, half up
    ("2/3", "rate", "66.67%（2/3）"),
    ("0/5", "rate", "0%（0/5）"),
    ("87.5%", "rate", "87.5%"),  # typed as a percent: no fraction to show
    ("not a rate", "rate", "not a rate"),
    ("35/40", "count", "35/40"),
    ("良", "grade", "良"),
    ("", "rate", ""),
    (None, "rate", ""),
]


@pytest.mark.parametrize(("text", "measure", "shown"), INDICATOR_VALUES)
def test_indicator_value(text, measure, shown):
    assert formatting.indicator_value(text, measure) == shown


INDICATOR_TARGETS = [
    # (target, measure, unit, shown): a rate's target in the unit its values are shown in
    (Decimal("95"), "rate", "%", "95%"),
    ("87.50", "rate", "", "87.5%"),
    (Decimal("4"), "count", "次", "4次"),
    ("4.50", "amount", "万元", "4.5万元"),
    (None, "rate", "%", ""),
    ("", "count", "次", ""),
]


@pytest.mark.parametrize(("target", "measure", "unit", "shown"), INDICATOR_TARGETS)
def test_indicator_target(target, measure, unit, shown):
    assert formatting.indicator_target(target, measure, unit) == shown
