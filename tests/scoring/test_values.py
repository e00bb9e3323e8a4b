"""Typed values (填报值) from the text people type: what is accepted, what is refused and
with which message."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

from scoring.values import Rate, format_value, parse_value

pytestmark = pytest.mark.pure

D = Decimal


@pytest.fixture(scope="module")
def indicators(build_set):
    indicator_set = build_set(
        {"code": "R", "measure": "rate", "rule": "threshold", "target": 95, "weight": 1},
        {"code": "C", "measure": "count", "rule": "deduct", "per_item": 1, "weight": 1},
        {"code": "M", "measure": "amount", "rule": "ratio", "target": 5, "weight": 1},
        {"code": "B", "measure": "boolean", "rule": "threshold", "weight": 1},
        {"code": "G", "measure": "grade", "rule": "grade", "weight": 1},
    )
    return {indicator.code: indicator for indicator in indicator_set.indicators()}


ACCEPTED = [
    ("R", "175/200", Rate(D(175), D(200))),
    ("R", " 175 / 200 ", Rate(D(175), D(200))),
    ("R", "１７５／２００", Rate(D(175), D(200))),  # full-width, as a Chinese IME types it
    ("R", "0/40", Rate(D(0), D(40))),
    ("R", "40/40", Rate(D(40), D(40))),
    ("R", "87.5%", Rate(D("87.5"), D(100))),
    ("R", "87.5％", Rate(D("87.5"), D(100))),
    ("R", "87.5", Rate(D("87.5"), D(100))),  # a bare number is a percent
    ("R", "100", Rate(D(100), D(100))),
    ("C", "3", D(3)),
    ("C", "3.0", D(3)),
    ("C", "0", D(0)),
    ("M", "620", D(620)),
    ("M", "12.75", D("12.75")),
    ("B", "是", True),
    ("B", "否", False),
    ("B", "true", True),
    ("B", "FALSE", False),
    ("G", "优", "优"),
    ("G", " 差 ", "差"),
]


@pytest.mark.parametrize(("code", "text", "expected"), ACCEPTED)
def test_accepted(indicators, code, text, expected):
    assert parse_value(indicators[code], text) == expected


REFUSED = [
    ("R", "201/200", "分子 201 大于分母 200"),
    ("R", "3/0", "分母不能为 0"),
    ("R", "0/0", "分母不能为 0"),
    ("R", "-1/2", "不能为负数"),
    ("R", "a/b", "不是有效的数字"),
    ("R", "1/2/3", "不是有效的数字"),
    ("R", "101%", "百分比不能超过 100"),
    ("R", "-5%", "不能为负数"),
    ("R", "NaN", "不是有效的数字"),
    ("R", "1/inf", "不是有效的数字"),
    ("C", "2.5", "个数须为非负整数"),
    ("C", "-1", "不能为负数"),
    ("C", "three", "不是有效的数字"),
    ("M", "-0.5", "不能为负数"),
    ("M", "12,5", "不是有效的数字"),
    ("M", "Infinity", "不是有效的数字"),
    ("B", "1", "不是是/否"),
    ("B", "yes", "不是是/否"),
    ("G", "良好", "不是评价等级"),
    ("G", "A", "不是评价等级"),
]


@pytest.mark.parametrize(("code", "text", "message"), REFUSED)
def test_refused_with_a_clear_message(indicators, code, text, message):
    with pytest.raises(ValueError, match=message):
        parse_value(indicators[code], text)


def test_rate_percent_and_parts():
    value = Rate(D(175), D(200))
    assert (value.numerator, value.denominator, value.percent) == (D(175), D(200), D("87.5"))
    assert repr(value) == "Rate(numerator=Decimal('175'), denominator=Decimal('200'))"
    assert pickle.loads(pickle.dumps(value)) == value
    assert hash(value) == hash(Rate(D(175), D(200)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Rate(D(175), D(200)), "175/200"),
        (Rate(D("87.50"), D(100)), "87.5%"),
        (D("3.0"), "3"),
        (True, "是"),
        (False, "否"),
        ("良", "良"),
    ],
)
def test_format_value_is_what_one_would_type_back(indicators, value, text):
    assert format_value(value) == text
