"""Values taken from another cycle's results instead of a self-report (取数, SPEC §3's
``from_cycle:``): the arithmetic, pure. The app finds the cycles and their grades
(:mod:`assess.cycles.derived_values`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from scoring.model import GradeBand
from scoring.values import Rate


def grades_at_least(bands: Sequence[GradeBand], grade: str) -> frozenset[str]:
    """The grades of ``bands`` at ``grade`` or better (bands whose ``min`` is at least
    ``grade``'s); empty when the bands do not name ``grade``."""
    floor = next((band.min for band in bands if band.grade == grade), None)
    if floor is None:
        return frozenset()
    return frozenset(band.grade for band in bands if band.min >= floor)


def graded_share(grades: Iterable[str], good: frozenset[str]) -> Rate | None:
    """The share of ``grades`` that are in ``good``, as a rate (graded ÷ assessed); None
    when there are no grades (nothing was assessed, so there is no share)."""
    grades = list(grades)
    if not grades:
        return None
    return Rate(Decimal(sum(g in good for g in grades)), Decimal(len(grades)))
