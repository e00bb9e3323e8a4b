"""The facts a unit report states in words, worked out from its data (pure: no database).

A report's sentences must say what happened, not what usually happens: which categories
did best and worst (and that they tied when they did), how the year compares with the
last, when the inspection took place and who took part. The template words them; these
functions decide what there is to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assess.reports.data import CategoryScore, EvidenceRow, IndicatorRow, UnitReportData

__all__ = [
    "CategoryExtremes",
    "EvidenceGroup",
    "YearChange",
    "category_extremes",
    "evidence_by_indicator",
    "year_change",
]


@dataclass(frozen=True)
class CategoryExtremes:
    """The categories with the highest and the lowest score rate; several when they tie.
    ``level`` is true when every category has the same rate (nothing stands out)."""

    best: tuple[str, ...]
    best_rate: Decimal
    worst: tuple[str, ...]
    worst_rate: Decimal

    @property
    def level(self) -> bool:
        return self.best_rate == self.worst_rate


def category_extremes(categories: Sequence[CategoryScore]) -> CategoryExtremes | None:
    """The best and worst categories by score rate, in the set's order within a tie; None
    for fewer than two categories (one category has no best or worst)."""
    if len(categories) < 2:
        return None
    high = max(c.percent for c in categories)
    low = min(c.percent for c in categories)
    return CategoryExtremes(
        tuple(c.name for c in categories if c.percent == high),
        high,
        tuple(c.name for c in categories if c.percent == low),
        low,
    )


@dataclass(frozen=True)
class YearChange:
    """How a unit's result moved against the year before.

    ``total`` is this year's total minus last year's; ``places`` the places climbed (a
    positive number: the rank number fell), None when either year is unranked;
    ``categories`` the change of each category's rate by name, for the categories both
    years have."""

    year: int
    total: Decimal
    previous_total: Decimal
    places: int | None
    previous_rank: int | None
    grade: str
    previous_grade: str
    categories: dict[str, Decimal]


def year_change(report: UnitReportData) -> YearChange | None:
    """The comparison with last year's published result, or None when there is none."""
    last = report.previous
    if last is None:
        return None
    before = dict(last.category_percents)
    return YearChange(
        last.year,
        report.total - last.total,
        last.total,
        last.rank - report.rank if last.rank is not None and report.rank is not None else None,
        last.rank,
        report.grade,
        last.grade,
        {c.name: c.percent - before[c.name] for c in report.categories if c.name in before},
    )


@dataclass(frozen=True)
class EvidenceGroup:
    """The evidence files of one indicator, for the report's attachment (佐证材料清单)."""

    code: str
    name: str
    files: tuple[EvidenceRow, ...]


def evidence_by_indicator(
    evidence: Sequence[EvidenceRow], indicators: Sequence[IndicatorRow]
) -> list[EvidenceGroup]:
    """The files grouped by indicator in the set's order; files of an indicator the
    report does not list (none, normally) come last under their code."""
    files: dict[str, list[EvidenceRow]] = {}
    for row in evidence:
        files.setdefault(row.indicator_code, []).append(row)
    groups = [
        EvidenceGroup(i.code, i.name, tuple(files.pop(i.code)))
        for i in indicators
        if i.code in files
    ]
    groups.extend(EvidenceGroup(code, "", tuple(rows)) for code, rows in files.items())
    return groups
