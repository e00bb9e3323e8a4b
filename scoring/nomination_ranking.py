"""Aggregation and ranking of a ten-types-of-models (十类典型) nomination round, per SPEC §5.

Pure: reviews in, ranked nominees out, no database and no web framework. The web app and
the offline command ``assess rank-nominations`` both call :func:`rank_nominations`, so a
panel checking a result offline gets exactly what the app shows.

Arithmetic is decimal and exact: reviewers' totals are ``Decimal``, means and medians are
taken over ``Fraction`` values, and every figure shown is rounded half-up (四舍五入) to two
decimals. The rules, in the order they are applied:

1. **Completed reviews.** A nominee with fewer reviews than ``min_reviews`` is not rankable:
   flag ``not-rankable``, no score, ``rank`` ``None``, ``selected`` ``False``, listed last.
2. **Normalisation** (optional, ``normalise``). Per reviewer, over all reviews in the input
   (the round): ``T' = μ_all + σ_all · (T − μ_r) / σ_r`` with population standard deviations,
   applied only to reviewers with at least 5 reviews and ``σ_r > 0``; other reviewers' totals
   stay raw. Each normalised total is rounded half-up to 2 decimals *before* it is
   aggregated, as SPEC §3 does for indicator scores, so that the trimmed mean and median
   can be checked by hand from the totals shown in the review record. Normalised totals are
   not clipped to 0–100: clipping would bias the mean of an extreme reviewer's nominees.
3. **Score.** Mean of the totals, dropping one highest and one lowest when there are 5 or
   more (去掉一个最高分和一个最低分). ``raw_score`` is always this over the raw totals;
   ``score`` is it over the normalised totals when normalising, else equal to ``raw_score``.
   ``median`` is taken over the same totals as ``score`` (all of them, untrimmed).
4. **Disagreement.** Flag ``disagreement`` when max − min of the *raw* totals exceeds
   ``disagreement_points`` (20). Raw because the flag sends the nominee to the panel to
   discuss what reviewers actually wrote, and normalised totals move whenever another
   nomination in the round changes; it is raised for not-rankable nominees too.
5. **Ranking.** Descending score at 2 decimals, then the higher median (at 2 decimals, as
   shown), then more totals of ``excellent_at`` (90) or above — counted over all of the
   nominee's totals including the trimmed ones, and over the same (raw or normalised)
   totals as the score. Nominees equal on all three share a competition rank (1, 2, 2, 4)
   and carry the ``tie`` flag; nothing else (time, id) breaks a tie. Within a tie, and among
   the not-rankable, nominees are *listed* by nomination id only so the output is stable.
6. **Selection.** See :func:`_select`: top N overall, an optional cap per category, and a
   tie across a cut line left undecided (``selected`` ``None``, flag ``cut-line-tie``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from scoring.nomination_totals import (
    Review,
    median,
    normalised_totals,
    round_half_up,
    trimmed_mean,
)

NOT_RANKABLE = "not-rankable"
DISAGREEMENT = "disagreement"
TIE = "tie"
CUT_LINE_TIE = "cut-line-tie"
#: Flags in the order they are listed on a nominee.
FLAGS = (NOT_RANKABLE, DISAGREEMENT, TIE, CUT_LINE_TIE)


@dataclass(frozen=True)
class RankingParams:
    """The parameters of one ranking run; stored with its snapshot."""

    top: int = 30
    cap_per_category: int | None = None
    min_reviews: int = 5
    normalise: bool = False
    disagreement_points: Decimal = Decimal(20)
    excellent_at: Decimal = Decimal(90)

    def __post_init__(self) -> None:
        if self.top < 1:
            raise ValueError("top must be at least 1")
        if self.cap_per_category is not None and self.cap_per_category < 1:
            raise ValueError("cap_per_category must be at least 1 (or None)")
        if self.min_reviews < 1:
            raise ValueError("min_reviews must be at least 1")


@dataclass(frozen=True)
class RankedNominee:
    """A nominee's line in the ranked table (排名表).

    ``score``, ``raw_score`` and ``median`` are rounded half-up to 2 decimals, and ``None``
    when not rankable. ``selected`` is ``True``/``False``, or ``None`` while a cut-line tie
    awaits the panel's vote. ``totals`` are the totals the score was taken over (normalised
    ones rounded to 2 decimals), ascending.
    """

    nomination: str
    category: str
    score: Decimal | None
    raw_score: Decimal | None
    median: Decimal | None
    reviews: int
    rank: int | None
    selected: bool | None
    flags: tuple[str, ...]
    totals: tuple[Decimal, ...] = field(default=())


@dataclass
class _Nominee:
    nomination: str
    category: str
    raw: list[Decimal]
    effective: list[Decimal]
    score: Decimal | None = None
    raw_score: Decimal | None = None
    median: Decimal | None = None
    excellent: int = 0
    rank: int | None = None
    selected: bool | None = False
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[Decimal, Decimal, int]:
        """What the ranking compares, best first when sorted descending."""
        assert self.score is not None and self.median is not None
        return (self.score, self.median, self.excellent)


def rank_nominations(
    reviews: Iterable[Review],
    params: RankingParams | None = None,
    *,
    nominations: Mapping[str, str] | None = None,
) -> list[RankedNominee]:
    """Rank a round's nominees from its completed reviews, per SPEC §5 (see module docstring).

    ``nominations`` (nomination → category) may list nominations that have no review yet,
    so they appear as not rankable. Returns nominees in rank order, the not-rankable last.
    Refuses (``ValueError``) the same reviewer twice on a nomination and a nomination under
    two categories.
    """
    params = params or RankingParams()
    reviews = list(reviews)
    category_of = _check_consistent(reviews, nominations or {})
    effective = normalised_totals(reviews) if params.normalise else {}

    nominees = {
        nomination: _Nominee(nomination, category, [], [])
        for nomination, category in category_of.items()
    }
    for review in reviews:
        nominee = nominees[review.nomination]
        nominee.raw.append(review.total)
        nominee.effective.append(effective.get((review.nomination, review.reviewer), review.total))

    for nominee in nominees.values():
        _score(nominee, params)
    rankable = sorted(
        (n for n in nominees.values() if NOT_RANKABLE not in n.flags),
        key=lambda n: (_descending(n.key), _natural_key(n.nomination)),
    )
    _assign_ranks(rankable)
    _select(rankable, params)
    unrankable = sorted(
        (n for n in nominees.values() if NOT_RANKABLE in n.flags),
        key=lambda n: _natural_key(n.nomination),
    )
    return [_freeze(n) for n in rankable + unrankable]


def _check_consistent(reviews: list[Review], nominations: Mapping[str, str]) -> dict[str, str]:
    category_of = dict(nominations)
    seen: set[tuple[str, str]] = set()
    for review in reviews:
        known = category_of.setdefault(review.nomination, review.category)
        if known != review.category:
            raise ValueError(
                f"nomination {review.nomination!r} is under two categories: "
                f"{known!r} and {review.category!r}"
            )
        pair = (review.nomination, review.reviewer)
        if pair in seen:
            raise ValueError(
                f"reviewer {review.reviewer!r} reviewed nomination {review.nomination!r} twice"
            )
        seen.add(pair)
    return category_of


def _score(nominee: _Nominee, params: RankingParams) -> None:
    raw = nominee.raw
    if len(raw) >= 2 and max(raw) - min(raw) > params.disagreement_points:
        nominee.flags.add(DISAGREEMENT)
    if len(raw) < params.min_reviews:
        nominee.flags.add(NOT_RANKABLE)
        nominee.selected = False
        return
    nominee.raw_score = round_half_up(trimmed_mean(raw))
    nominee.score = round_half_up(trimmed_mean(nominee.effective))
    nominee.median = round_half_up(median(nominee.effective))
    nominee.excellent = sum(1 for t in nominee.effective if t >= params.excellent_at)


def _descending(key: tuple[Decimal, Decimal, int]) -> tuple[Decimal, Decimal, int]:
    return (-key[0], -key[1], -key[2])


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts N2 before N10; used only to list equals in a stable order."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"([0-9]+)", text)
        if part
    )


def _assign_ranks(ranked: list[_Nominee]) -> None:
    """Competition ranks over an already sorted list; equal keys share a rank and a ``tie``."""
    for position, nominee in enumerate(ranked):
        previous = ranked[position - 1] if position else None
        if previous is not None and previous.key == nominee.key:
            nominee.rank = previous.rank
            nominee.flags.add(TIE)
            previous.flags.add(TIE)
        else:
            nominee.rank = position + 1


def _select(ranked: list[_Nominee], params: RankingParams) -> None:
    """Choose the award list (表彰名单): top N overall, at most ``cap_per_category`` per category.

    Nominees are taken a rank at a time, so a tied group (equal rank) is handled as one:

    * Members whose category is already at its cap are skipped (``False``), and their places
      go to the next nominees in rank order — the cap never holds a place open.
    * Among the rest, a category with fewer places left under its cap than members in the
      group has a tie across its cap line: those members are ``None`` (``cut-line-tie``) and
      the panel picks which of them fill the category's remaining places. How many places the
      group takes is fixed all the same (each category contributes ``min(members, room)``),
      so everything after the group is decided without waiting for the vote.
    * If the group can take more places than are left overall, every eligible member is
      ``None`` (``cut-line-tie``): no member is certain to be chosen, since whichever one is
      left out, enough others remain to fill the places. The panel fills the last places and
      every lower nominee is ``False``.
    * A tied group that fits entirely is selected: its ``tie`` flag then decides nothing.

    Put together: ``True`` means on the list however the panel orders the tied nominees,
    ``False`` on it under no such order, ``None`` that the panel's vote decides (the property
    tests check exactly this by brute force).
    """
    places = params.top
    cap = params.cap_per_category
    taken: Counter[str] = Counter()
    for group in _rank_groups(ranked):
        eligible = [n for n in group if cap is None or taken[n.category] < cap]
        for nominee in group:
            nominee.selected = False
        if places == 0 or not eligible:
            continue
        by_category: dict[str, list[_Nominee]] = defaultdict(list)
        for nominee in eligible:
            by_category[nominee.category].append(nominee)
        room = {
            c: len(m) if cap is None else min(len(m), cap - taken[c])
            for c, m in by_category.items()
        }
        takes = sum(room.values())
        if takes > places:
            _undecided(eligible)
            places = 0
            continue
        for category, members in by_category.items():
            if room[category] < len(members):
                _undecided(members)
            else:
                for nominee in members:
                    nominee.selected = True
            taken[category] += room[category]
        places -= takes


def _rank_groups(ranked: list[_Nominee]) -> Iterable[list[_Nominee]]:
    group: list[_Nominee] = []
    for nominee in ranked:
        if group and group[0].rank != nominee.rank:
            yield group
            group = []
        group.append(nominee)
    if group:
        yield group


def _undecided(nominees: list[_Nominee]) -> None:
    for nominee in nominees:
        nominee.selected = None
        nominee.flags.add(CUT_LINE_TIE)


def _freeze(nominee: _Nominee) -> RankedNominee:
    return RankedNominee(
        nomination=nominee.nomination,
        category=nominee.category,
        score=nominee.score,
        raw_score=nominee.raw_score,
        median=nominee.median,
        reviews=len(nominee.raw),
        rank=nominee.rank,
        selected=nominee.selected,
        flags=tuple(f for f in FLAGS if f in nominee.flags),
        totals=tuple(sorted(nominee.effective)),
    )
