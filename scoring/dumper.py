"""Writing indicator sets: an indicator as the fields a file lists, and a whole set as YAML
text in the SPEC §3 layout that :func:`scoring.loader.parse_indicator_set` reads back to
an equal set.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import yaml

from scoring.loader import INDICATOR_FIELDS
from scoring.model import Indicator, IndicatorSet
from scoring.values import plain_number


def _scalar(value: Any) -> str:
    """A scalar in YAML flow syntax, quoted only where YAML needs it."""
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, int):
        return str(value)
    flow = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=1 << 30)
    return flow.strip()[1:-1]


def _flow_list(items: Iterable[Any]) -> str:
    return "[" + ", ".join(_scalar(item) for item in items) + "]"


def _flow_map(pairs: Iterable[tuple[str, Any]]) -> str:
    return "{" + ", ".join(f"{_scalar(key)}: {_scalar(value)}" for key, value in pairs) + "}"


def indicator_to_dict(indicator: Indicator) -> dict[str, Any]:
    """An indicator as the fields a file lists (defaults left out), values as Python data:
    Decimals, strings, lists, and tiers as ``{"min"|"max": …, "score": …}`` dicts."""
    data: dict[str, Any] = {
        "code": indicator.code,
        "name": indicator.name,
        "applies_to": list(indicator.applies_to),
        "measure": indicator.measure,
    }
    if indicator.unit:
        data["unit"] = indicator.unit
    if indicator.target is not None:
        data["target"] = indicator.target
    if indicator.direction != "higher":
        data["direction"] = indicator.direction
    if indicator.is_base or indicator.weight:
        data["weight"] = indicator.weight
    data["rule"] = indicator.rule
    for name in ("floor", "per_item", "cap"):
        if getattr(indicator, name) is not None:
            data[name] = getattr(indicator, name)
    if indicator.tiers:
        key = "max" if indicator.direction == "lower" else "min"
        data["tiers"] = [{key: tier.bound, "score": tier.score} for tier in indicator.tiers]
    if indicator.grade_points:
        data["grade_points"] = dict(indicator.grade_points)
    if indicator.min_value is not None:
        data["min"] = indicator.min_value
    if indicator.max_value is not None:
        data["max"] = indicator.max_value
    if indicator.evidence:
        data["evidence"] = list(indicator.evidence)
    if indicator.source:
        data["source"] = indicator.source
    if indicator.from_cycle is not None:
        data["from_cycle"] = {"share_graded": indicator.from_cycle.share_graded}
    return {name: data[name] for name in INDICATOR_FIELDS if name in data}


def dump_indicator_set(indicator_set: IndicatorSet) -> str:
    """The set as YAML text in the SPEC §3 layout; :func:`parse_indicator_set` reads it back
    to an equal set."""
    lines = [
        f"program: {_scalar(indicator_set.program)}",
        f"year: {indicator_set.year}",
    ]
    if indicator_set.source:
        lines.append(f"source: {_scalar(indicator_set.source)}")
    lines.append("grades:")
    for band in indicator_set.grades:
        lines.append(f"  - {_flow_map([('min', band.min), ('grade', band.grade)])}")
    lines.append("categories:")
    for category in indicator_set.categories:
        lines.append(f"  - code: {_scalar(category.code)}")
        lines.append(f"    name: {_scalar(category.name)}")
        lines.append("    indicators:")
        for indicator in category.indicators:
            prefix = "      - "
            for name, value in indicator_to_dict(indicator).items():
                if name == "tiers":
                    lines.append(f"{prefix}tiers:")
                    for tier in value:
                        lines.append(f"          - {_flow_map(tier.items())}")
                elif isinstance(value, list):
                    lines.append(f"{prefix}{name}: {_flow_list(value)}")
                elif isinstance(value, dict):
                    lines.append(f"{prefix}{name}: {_flow_map(value.items())}")
                else:
                    lines.append(f"{prefix}{name}: {_scalar(value)}")
                prefix = "        "
    return "\n".join(lines) + "\n"
