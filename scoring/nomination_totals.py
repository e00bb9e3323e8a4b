"""Reviewers' totals in a nomination round (十类典型评审) and the exact arithmetic over them:
rounding half-up (四舍五入), the trimmed mean and median of SPEC §5, per-reviewer
normalisation, and a reviewer's total from one score sheet.

Totals are ``Decimal``; means, medians and standard deviations are taken over ``Fraction``
values so that nothing is rounded before the figure that is shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction

from scoring.i18n import _

#: 去掉一个最高分和一个最低分 applies from this many reviews on (SPEC §5; not a parameter).
TRIM_FROM = 5
#: A reviewer is normalised only with at least this many reviews (SPEC §5; not a parameter).
NORMALISE_MIN_REVIEWS = 5

TOTAL_MIN = Decimal(0)
TOTAL_MAX = Decimal(100)

_CENT = Decimal("0.01")
# Square roots are the one inexact step; 60 digits keep their error far below a cent.
_SQRT_CONTEXT = Context(prec=60)


@dataclass(frozen=True)
class Review:
    """One reviewer's completed score sheet (评审评分) for one nomination, as its total."""

    nomination: str
    category: str
    reviewer: str
    total: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.total, Decimal) or not self.total.is_finite():
            raise TypeError(f"Review.total must be a finite Decimal, not {self.total!r}")
        if not TOTAL_MIN <= self.total <= TOTAL_MAX:
            raise ValueError(f"Review.total {self.total} is outside 0–100")


def round_half_up(value: Fraction | Decimal | int) -> Decimal:
    """``value`` rounded half-up to 2 decimals.

    The same as ``Decimal.quantize(Decimal("0.01"), ROUND_HALF_UP)`` (a half goes away from
    zero), but exact for fractions such as a mean of 1/3, which no Decimal holds exactly.
    """
    exact = Fraction(value)
    cents = abs(exact) * 100
    whole = math.floor(cents + Fraction(1, 2))
    return (Decimal(whole if exact >= 0 else -whole) * _CENT).quantize(_CENT)


def trimmed_mean(totals: Iterable[Decimal]) -> Fraction:
    """Exact mean, without one highest and one lowest total when there are 5 or more."""
    values = sorted(Fraction(t) for t in totals)
    if not values:
        raise ValueError("no totals")
    if len(values) >= TRIM_FROM:
        values = values[1:-1]
    return sum(values, Fraction(0)) / len(values)


def median(totals: Iterable[Decimal]) -> Fraction:
    """Exact median (mean of the two middle totals for an even count)."""
    values = sorted(Fraction(t) for t in totals)
    if not values:
        raise ValueError("no totals")
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _sqrt(value: Fraction) -> Fraction:
    """Square root, exact when ``value`` is the square of a fraction (the usual hand case)."""
    num, den = value.numerator, value.denominator
    root_num, root_den = math.isqrt(num), math.isqrt(den)
    if root_num * root_num == num and root_den * root_den == den:
        return Fraction(root_num, root_den)
    ctx = _SQRT_CONTEXT
    return Fraction(ctx.sqrt(ctx.divide(Decimal(num), Decimal(den))))


def _mean_and_variance(values: list[Fraction]) -> tuple[Fraction, Fraction]:
    """Mean and population variance."""
    mean = sum(values, Fraction(0)) / len(values)
    return mean, sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)


def normalised_totals(reviews: Iterable[Review]) -> dict[tuple[str, str], Decimal]:
    """Every review's total after per-reviewer z-score normalisation, keyed ``(nomination, reviewer)``.

    ``T' = μ_all + σ_all · (T − μ_r) / σ_r``, population standard deviations over all the
    given reviews, rounded half-up to 2 decimals. Reviewers with fewer than 5 reviews or
    with ``σ_r = 0`` keep their raw totals (unrounded).
    """
    reviews = list(reviews)
    if not reviews:
        return {}
    mean_all, var_all = _mean_and_variance([Fraction(r.total) for r in reviews])
    sd_all = _sqrt(var_all)
    by_reviewer: dict[str, list[Review]] = defaultdict(list)
    for review in reviews:
        by_reviewer[review.reviewer].append(review)

    result: dict[tuple[str, str], Decimal] = {}
    for own in by_reviewer.values():
        mean_r, var_r = _mean_and_variance([Fraction(r.total) for r in own])
        rescale = len(own) >= NORMALISE_MIN_REVIEWS and var_r > 0
        ratio = sd_all / _sqrt(var_r) if rescale else None
        for review in own:
            key = (review.nomination, review.reviewer)
            if ratio is None:
                result[key] = review.total
            else:
                result[key] = round_half_up(mean_all + ratio * (Fraction(review.total) - mean_r))
    return result


def weighted_total(
    criteria_scores: Mapping[str, Decimal | int], weights: Mapping[str, Decimal | int]
) -> Decimal:
    """A reviewer's total (评审总分) from one score sheet, rounded half-up to 2 decimals.

    Each criterion is scored in points from 0 to its weight (the 分值/得分 columns of a
    paper 评分表: 事迹材料 30 分 scores 0–30), so the total is the plain sum a reviewer can
    check by adding up the sheet. Refuses (``ValueError``) weights that are negative or do
    not sum to 100, a missing or unknown criterion, and a score outside 0–weight.
    """
    weight_of = {code: Decimal(w) for code, w in weights.items()}
    if any(w < 0 for w in weight_of.values()):
        raise ValueError(_("评分细则的分值不能为负数"))
    if sum(weight_of.values(), Decimal(0)) != 100:
        raise ValueError(_("评分细则的分值合计应为 100"))
    missing = sorted(set(weight_of) - set(criteria_scores))
    if missing:
        raise ValueError(_("以下评分项未打分：%(codes)s", codes="、".join(missing)))
    unknown = sorted(set(criteria_scores) - set(weight_of))
    if unknown:
        raise ValueError(_("以下评分项不在评分细则中：%(codes)s", codes="、".join(unknown)))
    total = Decimal(0)
    for code, weight in weight_of.items():
        score = Decimal(criteria_scores[code])
        if not score.is_finite() or not 0 <= score <= weight:
            raise ValueError(
                _(
                    "评分项 %(code)s 的得分 %(score)s 超出 0–%(weight)s 范围",
                    code=code,
                    score=score,
                    weight=weight,
                )
            )
        total += score
    return round_half_up(total)
