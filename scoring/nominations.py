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

import csv
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from fractions import Fraction

from scoring.i18n import _

NOT_RANKABLE = "not-rankable"
DISAGREEMENT = "disagreement"
TIE = "tie"
CUT_LINE_TIE = "cut-line-tie"
#: Flags in the order they are listed on a nominee.
FLAGS = (NOT_RANKABLE, DISAGREEMENT, TIE, CUT_LINE_TIE)

#: 去掉一个最高分和一个最低分 applies from this many reviews on (SPEC §5; not a parameter).
TRIM_FROM = 5
#: A reviewer is normalised only with at least this many reviews (SPEC §5; not a parameter).
NORMALISE_MIN_REVIEWS = 5

TOTAL_MIN = Decimal(0)
TOTAL_MAX = Decimal(100)
CSV_COLUMNS = ("nomination", "category", "reviewer", "total")
OUTPUT_COLUMNS = (
    "nomination",
    "category",
    "score",
    "raw_score",
    "median",
    "reviews",
    "rank",
    "selected",
    "flags",
)

_CENT = Decimal("0.01")
# Square roots are the one inexact step; 60 digits keep their error far below a cent.
_SQRT_CONTEXT = Context(prec=60)
# Plain decimal notation only: no exponents, NaN, infinities or full-width digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


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


class ReviewsFileError(ValueError):
    """A reviews file that cannot be ranked; ``problems`` holds one message per bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- arithmetic -------------------------------------------------------------------------


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


# --- ranking ----------------------------------------------------------------------------


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


# --- exchange formats -------------------------------------------------------------------


def nominee_to_dict(nominee: RankedNominee) -> dict[str, object]:
    """The SPEC §5 JSON object of a nominee; numbers as JSON numbers at 2 decimals."""
    return {
        "nomination": nominee.nomination,
        "category": nominee.category,
        "score": _number(nominee.score),
        "raw_score": _number(nominee.raw_score),
        "median": _number(nominee.median),
        "reviews": nominee.reviews,
        "rank": nominee.rank,
        "selected": nominee.selected,
        "flags": list(nominee.flags),
    }


def _number(value: Decimal | None) -> float | None:
    # A 2-decimal value survives the trip through float: repr gives the shortest string
    # that reads back as the same double, i.e. the decimal we started from.
    return None if value is None else float(round_half_up(value))


def nominee_to_row(nominee: RankedNominee) -> list[str]:
    """A nominee as a CSV row under :data:`OUTPUT_COLUMNS`.

    Numbers with exactly 2 decimals, empty cells for null, ``true``/``false`` as in the
    JSON, and flags joined by ``;``.
    """

    def cell(value: Decimal | None) -> str:
        return "" if value is None else str(round_half_up(value))

    selected = {True: "true", False: "false", None: ""}[nominee.selected]
    return [
        nominee.nomination,
        nominee.category,
        cell(nominee.score),
        cell(nominee.raw_score),
        cell(nominee.median),
        str(nominee.reviews),
        "" if nominee.rank is None else str(nominee.rank),
        selected,
        ";".join(nominee.flags),
    ]


def read_reviews_csv(data: bytes, source: str = "REVIEWS.csv") -> list[Review]:
    """Parse a ``nomination,category,reviewer,total`` file (UTF-8, BOM tolerated).

    The header must name exactly those four columns (in any order); blank lines are
    skipped. Raises :class:`ReviewsFileError` with one message per bad line, prefixed
    ``source:line:``, for: a file not in UTF-8, an empty file or one without reviews, a wrong
    header, a wrong number of cells, an empty cell, a total that is not a plain decimal
    number or lies outside 0–100, a reviewer listed twice for a nomination, and a
    nomination listed under two categories.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReviewsFileError(
            [_("%(file)s:%(line)d: 文件不是 UTF-8 编码", file=source, line=line)]
        ) from None
    if not text.strip():
        raise ReviewsFileError(
            [
                _(
                    "%(file)s: 文件为空，应有表头 %(header)s",
                    file=source,
                    header=",".join(CSV_COLUMNS),
                )
            ]
        )

    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    reviews: list[Review] = []
    columns: dict[str, int] | None = None
    first_line_of: dict[tuple[str, str], int] = {}
    category_at: dict[str, tuple[str, int]] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if columns is None:
                columns = _header_columns(row)
                if columns is None:
                    problems.append(
                        _(
                            "%(file)s:%(line)d: 表头应为 %(expected)s，实为 %(found)s",
                            file=source,
                            line=line,
                            expected=",".join(CSV_COLUMNS),
                            found=",".join(cell.strip() for cell in row),
                        )
                    )
                    break  # without the columns no later line can be read
                continue
            problem, review = _parse_row(row, columns, first_line_of, category_at, line)
            if problem:
                problems.append(
                    _("%(file)s:%(line)d: %(problem)s", file=source, line=line, problem=problem)
                )
            elif review is not None:
                reviews.append(review)
    except csv.Error as error:
        problems.append(
            _(
                "%(file)s:%(line)d: CSV 格式错误：%(error)s",
                file=source,
                line=reader.line_num,
                error=error,
            )
        )
    if not problems and not reviews:
        problems.append(_("%(file)s: 文件中没有评分数据", file=source))
    if problems:
        raise ReviewsFileError(problems)
    return reviews


def _header_columns(row: list[str]) -> dict[str, int] | None:
    """Column positions by name, or None unless the row names exactly the four columns."""
    names = [cell.strip() for cell in row]
    if sorted(names) != sorted(CSV_COLUMNS):
        return None
    return {name: names.index(name) for name in CSV_COLUMNS}


def _parse_row(
    row: list[str],
    columns: dict[str, int],
    first_line_of: dict[tuple[str, str], int],
    category_at: dict[str, tuple[str, int]],
    line: int,
) -> tuple[str | None, Review | None]:
    """(problem, None) for a bad row, (None, review) for a good one.

    Records the row's nomination, reviewer and category even when its total is bad, so a
    later duplicate is still reported against the later line.
    """
    if len(row) != len(CSV_COLUMNS):
        return _(
            "应有 %(expected)d 列，实有 %(found)d 列", expected=len(CSV_COLUMNS), found=len(row)
        ), None
    cells = {name: row[index].strip() for name, index in columns.items()}
    empty = [name for name in CSV_COLUMNS if not cells[name]]
    if empty:
        return _("%(columns)s 为空", columns="、".join(empty)), None

    nomination, category, reviewer = cells["nomination"], cells["category"], cells["reviewer"]
    known_category, known_line = category_at.setdefault(nomination, (category, line))
    first_line = first_line_of.setdefault((nomination, reviewer), line)
    if known_category != category:
        return (
            _(
                "提名 %(nomination)s 的类别“%(category)s”与第 %(other)d 行的“%(known)s”不一致",
                nomination=nomination,
                category=category,
                other=known_line,
                known=known_category,
            ),
            None,
        )
    if first_line != line:
        return (
            _(
                "评审人 %(reviewer)s 对提名 %(nomination)s 重复评分（首见于第 %(other)d 行）",
                reviewer=reviewer,
                nomination=nomination,
                other=first_line,
            ),
            None,
        )
    total = _parse_total(cells["total"])
    if total is None:
        return _("总分“%(total)s”不是数字", total=cells["total"]), None
    if not TOTAL_MIN <= total <= TOTAL_MAX:
        return _("总分 %(total)s 超出 0–100 范围", total=cells["total"]), None
    return None, Review(nomination, category, reviewer, total)


def _parse_total(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
