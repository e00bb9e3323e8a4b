"""Helpers for the pure scoring tests: small indicator sets built from plain data."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.loader import parse_indicator_set
from scoring.model import Indicator, IndicatorSet

GRADES = [
    {"min": 90, "grade": "优秀"},
    {"min": 80, "grade": "良好"},
    {"min": 60, "grade": "合格"},
    {"min": 0, "grade": "不合格"},
]


def make_set(*indicators: dict[str, Any], grades: list | None = None) -> IndicatorSet:
    """A set with one category holding ``indicators`` (dicts of SPEC §3 fields; ``name``,
    ``applies_to`` and ``source`` filled in when left out), validated by the loader."""
    items = []
    for item in indicators:
        items.append(
            {"name": item["code"], "applies_to": ["county"], "source": f"条款 {item['code']}"}
            | item
        )
    data = {
        "program": "测试",
        "year": 2011,
        "source": "测试文件",
        "grades": grades or GRADES,
        "categories": [{"code": "A", "name": "测试", "indicators": items}],
    }
    return parse_indicator_set(data, "test.yaml")


def make_indicator(**fields: Any) -> Indicator:
    """One validated indicator (code ``X`` unless given)."""
    fields.setdefault("code", "X")
    return make_set(fields).indicators()[0]


@pytest.fixture(scope="session")
def build_set():
    return make_set


@pytest.fixture(scope="session")
def build_indicator():
    return make_indicator
