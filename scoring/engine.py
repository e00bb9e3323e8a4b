"""The scoring engine: a unit's values against an indicator set give its per-indicator scores,
its normalised total (折算百分制), grade, veto, and — across units — its rank.

Pure functions over :mod:`scoring.model` objects; decimal arithmetic, each indicator's score
rounded half-up to 2 places and totals computed from those rounded scores (SPEC §3).

Scoring a city means millions of values, so the set is compiled once — each indicator's rule
with its constants (:mod:`scoring.rules`), each unit kind's list of applicable indicators —
and cached on the set. A score keeps its indicator and value and builds its explanation
(得分依据) only when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, TypeVar

from scoring.i18n import _
from scoring.indicator_checks import check_indicator
from scoring.model import ASSESSED_KINDS, Indicator, IndicatorSet
from scoring.rules import CENT, RULES, ZERO, Scorer, fmt_score
from scoring.values import Value

HUNDRED = Decimal(100)

#: Fields a target-responsibility agreement (目标责任书) may change for one unit.
OVERRIDABLE = ("target", "weight", "floor", "per_item", "cap")


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a score is what it is (得分依据): the rule, its inputs, the formula with the
    numbers filled in (``10 × (87.5 − 60) / (95 − 60) = 7.86``), the policy clause, and
    ``basis``, the same in plain Chinese as a printed report reads it (``87.5%，在下限60%与目标值
    95%之间，按比例折算得7.86分``)."""

    rule: str
    inputs: dict[str, Any]
    formula: str
    source: str
    basis: str = ""


class IndicatorScore(NamedTuple):
    """One indicator's score for one unit.

    ``missing`` is true when a scored indicator had no value (未填报) and scored 0.
    ``indicator`` is the indicator as scored (after any per-unit override) and ``value``
    the value scored (``None`` when missing).
    """

    code: str
    score: Decimal
    missing: bool
    indicator: Indicator
    value: Value | None
    #: Points an inspector's deduction (扣分) took off: at most the rule score (扣完为止),
    #: so 0 on an item that scored nothing. ``score`` is already net of them.
    deduction: Decimal = Decimal(0)

    @property
    def explanation(self) -> Explanation:
        """The :class:`Explanation` of this score, built on demand."""
        indicator = self.indicator
        if self.value is None:
            formula = _("未填报 → %(s)s", s=fmt_score(self.score))
            basis = _("未填报，得%(s)s分", s=fmt_score(self.score))
            inputs: dict[str, Any] = {"value": None, "weight": indicator.weight}
        elif self.deduction:
            scorer = _scorer(indicator)
            gross = scorer.score(self.value)
            inputs, formula = scorer.explain(self.value, gross)
            inputs = {**inputs, "deduction": self.deduction}
            formula = _(
                "%(formula)s；扣分 %(d)s → max(0, %(g)s − %(d)s) = %(s)s",
                formula=formula,
                d=fmt_score(self.deduction),
                g=fmt_score(gross),
                s=fmt_score(self.score),
            )
            basis = _(
                "%(basis)s；督查扣%(d)s分，实得%(s)s分",
                basis=scorer.describe(self.value, gross),
                d=fmt_score(self.deduction),
                s=fmt_score(self.score),
            )
        else:
            scorer = _scorer(indicator)
            inputs, formula = scorer.explain(self.value, self.score)
            basis = scorer.describe(self.value, self.score)
        return Explanation(indicator.rule, inputs, formula, indicator.source, basis)


class ScoreMap(Mapping[str, IndicatorScore]):
    """A unit's scores by indicator code, in set order; read-only, dict-like.

    Holds the rounded scores as a tuple and the unit's values mapping as given (not a
    copy: change it after scoring and the explanations follow), and makes an
    :class:`IndicatorScore` when one is looked up: a city's results then cost one tuple
    entry per value rather than an object each.
    """

    __slots__ = ("_deductions", "_plan", "_points", "_values")

    def __init__(
        self,
        plan: _Plan,
        points: Sequence[Decimal],
        values: Mapping[str, Value],
        deductions: Mapping[str, Decimal] | None = None,
    ) -> None:
        self._plan = plan
        self._points = points
        self._values = values
        self._deductions = deductions

    def __getitem__(self, code: str) -> IndicatorScore:
        position = self._plan.position[code]
        value = self._values.get(code)
        return IndicatorScore(
            code,
            self._points[position],
            value is None and position < self._plan.base_count,
            self._plan.indicators[position],
            value,
            (self._deductions.get(code) if self._deductions else None) or ZERO,
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._plan.ordered_codes)

    def __len__(self) -> int:
        return len(self._points)

    def __contains__(self, code: object) -> bool:
        return code in self._plan.position

    def __repr__(self) -> str:
        return f"ScoreMap({dict(self.points())!r})"

    def points(self) -> dict[str, Decimal]:
        """Each indicator's rounded score by code, in set order."""
        position = self._plan.position
        points = self._points
        return {code: points[position[code]] for code in self._plan.ordered_codes}


@dataclass(frozen=True, slots=True)
class UnitResult:
    """A unit's result: total out of 100 plus bonus, grade, veto (否决), per-indicator scores
    (a read-only mapping of code to :class:`IndicatorScore`), the scored indicators it left
    unreported, and its rank within its kind once ranked."""

    unit: str
    kind: str
    total: Decimal
    grade: str
    veto: bool
    scores: Mapping[str, IndicatorScore]
    missing: tuple[str, ...]
    rank: int | None = None
    #: Σ base scores ÷ Σ applicable weights × 100, before bonus (2 decimals).
    base_total: Decimal = ZERO
    #: Σ bonus scores.
    bonus_total: Decimal = ZERO


class _Scored(NamedTuple):
    """A unit's scores before ranking: the fields of its :class:`UnitResult` but the rank.

    :func:`score_units` ranks these and builds each result once, with its rank, rather
    than building an unranked result and copying it to set the rank.
    """

    unit: str
    kind: str
    total: Decimal
    grade: str
    veto: bool
    scores: ScoreMap
    missing: tuple[str, ...]
    base_total: Decimal
    bonus_total: Decimal

    def result(self, rank: int | None) -> UnitResult:
        """The :class:`UnitResult` with ``rank``."""
        return UnitResult(
            self.unit,
            self.kind,
            self.total,
            self.grade,
            self.veto,
            self.scores,
            self.missing,
            rank,
            self.base_total,
            self.bonus_total,
        )


def _scorer(indicator: Indicator) -> Scorer:
    return RULES[indicator.rule](indicator)


class _Plan(NamedTuple):
    """What scoring one unit needs, worked out once per (set, kind or unit): the applicable
    indicators base first, then bonus, then veto, with their score functions."""

    indicators: tuple[Indicator, ...]
    base_codes: tuple[str, ...]
    base_functions: tuple[Callable[[Any], Decimal], ...]
    base_code_set: frozenset[str]
    bonus_codes: tuple[str, ...]
    bonus_functions: tuple[Callable[[Any], Decimal], ...]
    veto_codes: tuple[str, ...]
    weight_sum: Decimal
    base_count: int
    position: dict[str, int]
    ordered_codes: tuple[str, ...]
    lowest_grade: str
    grades: tuple[tuple[Decimal, str], ...]


def _compile(
    indicator_set: IndicatorSet,
    indicators: Iterable[Indicator],
    scorers: Mapping[str, Scorer] | None,
) -> _Plan:
    indicators = tuple(indicators)
    base = [i for i in indicators if i.is_base]
    bonus = [i for i in indicators if i.rule == "bonus"]
    veto = [i for i in indicators if i.rule == "veto"]
    ordered = base + bonus + veto

    def function(indicator: Indicator) -> Callable[[Any], Decimal]:
        return (scorers[indicator.code] if scorers else _scorer(indicator)).score

    return _Plan(
        indicators=tuple(ordered),
        base_codes=tuple(i.code for i in base),
        base_functions=tuple(function(i) for i in base),
        base_code_set=frozenset(i.code for i in base),
        bonus_codes=tuple(i.code for i in bonus),
        bonus_functions=tuple(function(i) for i in bonus),
        veto_codes=tuple(i.code for i in veto),
        weight_sum=sum((i.weight for i in base), Decimal(0)),
        base_count=len(base),
        position={indicator.code: n for n, indicator in enumerate(ordered)},
        ordered_codes=tuple(i.code for i in indicators),
        lowest_grade=indicator_set.lowest_grade(),
        grades=tuple((band.min, band.grade) for band in indicator_set.grades),
    )


def _plan(indicator_set: IndicatorSet, unit_code: str, unit_kind: str) -> _Plan:
    cache = indicator_set._cache
    scorers = cache.get("scorers")
    if scorers is None:
        scorers = cache["scorers"] = {i.code: _scorer(i) for i in indicator_set.indicators()}
        cache["codes"] = indicator_set.unit_codes()
    # Most units share their kind's plan; a unit named in some applies_to gets its own.
    key = (unit_kind, unit_code) if unit_code in cache["codes"] else (unit_kind, None)
    plan = cache.get(key)
    if plan is None:
        applicable = indicator_set.applicable(unit_code, unit_kind)
        plan = cache[key] = _compile(indicator_set, applicable, scorers)
    return plan


def _overridden(
    indicator_set: IndicatorSet, plan: _Plan, overrides: Mapping[str, Mapping[str, Any]]
) -> _Plan:
    unknown_codes = sorted(set(overrides) - set(plan.position))
    if unknown_codes:
        raise ValueError(_("调整的指标不适用于该单位：%(codes)s", codes=", ".join(unknown_codes)))
    indicators = []
    for code in plan.ordered_codes:
        indicator = plan.indicators[plan.position[code]]
        changes = overrides.get(code)
        if changes:
            unknown = sorted(set(changes) - set(OVERRIDABLE))
            if unknown:
                raise ValueError(
                    _(
                        "指标 %(code)s 不可调整字段：%(fields)s",
                        code=code,
                        fields=", ".join(unknown),
                    )
                )
            indicator = replace(
                indicator, **{key: Decimal(str(value)) for key, value in changes.items()}
            )
            problems = check_indicator(indicator)
            if problems:
                raise ValueError(
                    "；".join(
                        _("指标 %(code)s 的 %(field)s：%(p)s", code=code, field=field, p=problem)
                        for field, problem in problems
                    )
                )
        indicators.append(indicator)
    return _compile(indicator_set, indicators, None)


def score_unit(
    indicator_set: IndicatorSet,
    unit_code: str,
    unit_kind: str,
    values: Mapping[str, Value],
    overrides: Mapping[str, Mapping[str, Decimal]] | None = None,
    deductions: Mapping[str, Decimal] | None = None,
) -> UnitResult:
    """Score one unit. ``values`` maps indicator codes to parsed values (see
    :mod:`scoring.values`); a code absent or mapped to ``None`` is not reported (未填报), and
    values of indicators that do not apply to the unit are ignored. The result's ``scores``
    keep a reference to ``values``: leave it unchanged afterwards.

    ``overrides`` maps indicator codes to per-unit changes of ``target``, ``weight``,
    ``floor``, ``per_item`` or ``cap`` (目标责任书); raises ``ValueError`` when an override
    names an indicator that does not apply, another field, or leaves the indicator invalid
    (e.g. a floor above the target).

    ``deductions`` maps indicator codes to points an inspector deducted (扣分): a scored
    indicator then scores ``max(0, rule score − deduction)``, and its ``deduction`` is the
    effective amount, ``min(deduction, rule score)``; deductions on indicators that do not
    apply, or on bonus and veto indicators, are ignored.

    Returns an unranked :class:`UnitResult` (``rank`` is ``None``).
    """
    return _score(indicator_set, unit_code, unit_kind, values, overrides, deductions).result(None)


def _score(
    indicator_set: IndicatorSet,
    unit_code: str,
    unit_kind: str,
    values: Mapping[str, Value],
    overrides: Mapping[str, Mapping[str, Decimal]] | None,
    deductions: Mapping[str, Decimal] | None,
) -> _Scored:
    plan = _plan(indicator_set, unit_code, unit_kind)
    if overrides:
        plan = _overridden(indicator_set, plan, overrides)

    get = values.get
    found = list(map(get, plan.base_codes))
    points = [
        ZERO if value is None else function(value)
        for function, value in zip(plan.base_functions, found, strict=True)
    ]
    missing = tuple(
        [code for code, value in zip(plan.base_codes, found, strict=True) if value is None]
    )
    if deductions:
        applied = {}
        for code, deducted in deductions.items():
            position = plan.position.get(code)
            if deducted and code in plan.base_code_set and found[position] is not None:
                # 扣完为止: what comes off is at most what the item scored, and that
                # effective amount is what the result reports.
                taken = min(deducted, points[position])
                points[position] -= taken
                if taken:
                    applied[code] = taken
        deductions = applied
    base = sum(points, ZERO)

    bonus = ZERO
    for code, function in zip(plan.bonus_codes, plan.bonus_functions, strict=True):
        value = get(code)
        score = ZERO if value is None else function(value)
        points.append(score)
        bonus += score
    vetoed = False
    for code in plan.veto_codes:
        value = get(code)
        points.append(ZERO)
        if value is True:
            vetoed = True

    weight_sum = plan.weight_sum
    base_total = (base * HUNDRED / weight_sum).quantize(CENT, ROUND_HALF_UP) if weight_sum else ZERO
    total = base_total + bonus
    if vetoed:
        grade = plan.lowest_grade
    else:
        grade = plan.lowest_grade
        for minimum, name in plan.grades:
            if minimum <= total:
                grade = name
                break
    return _Scored(
        unit_code,
        unit_kind,
        total,
        grade,
        vetoed,
        # A tuple of Decimals drops out of the garbage collector's sight after its first
        # pass, and the scores keep the caller's values rather than a copy: at 20,000
        # units the collector's passes over live lists cost as much as the scoring.
        ScoreMap(plan, tuple(points), values, deductions or None),
        missing,
        base_total,
        bonus,
    )


def score_indicator(indicator: Indicator, value: Value | None) -> IndicatorScore:
    """One indicator's score for one value (``None`` = not reported), with its explanation
    available as ``.explanation``; for showing "why this score" outside a whole unit."""
    if value is None:
        return IndicatorScore(indicator.code, ZERO, indicator.is_base, indicator, None)
    return IndicatorScore(indicator.code, _scorer(indicator).score(value), False, indicator, value)


_Ranked = TypeVar("_Ranked", UnitResult, _Scored)


def _kind_order(kind: str) -> tuple[int, str]:
    return (
        (ASSESSED_KINDS.index(kind), "") if kind in ASSESSED_KINDS else (len(ASSESSED_KINDS), kind)
    )


def _ranking(results: Iterable[_Ranked]) -> list[tuple[_Ranked, int]]:
    """Each result (a :class:`UnitResult` or :class:`_Scored`) with its competition rank
    within its kind, in report order."""
    by_kind: dict[str, list[_Ranked]] = {}
    for result in results:
        by_kind.setdefault(result.kind, []).append(result)
    ranking: list[tuple[UnitResult, int]] = []
    for kind in sorted(by_kind, key=_kind_order):
        ordered = sorted(by_kind[kind], key=lambda r: (r.veto, -r.total, r.unit))
        previous = None
        rank = 0
        for position, result in enumerate(ordered, start=1):
            if (result.veto, result.total) != previous:
                rank, previous = position, (result.veto, result.total)
            ranking.append((result, rank))
    return ranking


def rank_results(results: Iterable[UnitResult]) -> list[UnitResult]:
    """New results with competition ranks (1, 2, 2, 4) within each unit kind, in report
    order: kinds in :data:`~scoring.model.ASSESSED_KINDS` order, then rank, ties by unit code.

    Vetoed units rank after every unit of their kind without a veto, among themselves by
    total. The given results are left as they are.
    """
    return [replace(result, rank=rank) for result, rank in _ranking(results)]


def grade_distribution(
    indicator_set: IndicatorSet, grades: Iterable[str]
) -> tuple[tuple[str, int], ...]:
    """``(grade, number of units)`` for every grade band of the set, best first, zeros
    included, from the grades the units received; a grade the set does not name (a result
    stored under an older set) is not counted, so the rows always add up to what the set's
    bands can show."""
    counts: dict[str, int] = {}
    for grade in grades:
        counts[grade] = counts.get(grade, 0) + 1
    return tuple((band.grade, counts.get(band.grade, 0)) for band in indicator_set.grades)


def score_units(
    indicator_set: IndicatorSet,
    units: Iterable[tuple[str, str]],
    values_by_unit: Mapping[str, Mapping[str, Value]],
    overrides_by_unit: Mapping[str, Mapping[str, Mapping[str, Decimal]]] | None = None,
) -> list[UnitResult]:
    """Score every ``(unit_code, unit_kind)`` in ``units`` (see :func:`score_unit`) and
    return the results ranked as :func:`rank_results` does. A unit without values scores 0
    with every scored indicator missing; ``overrides_by_unit`` maps unit codes to that
    unit's ``overrides``."""
    empty: Mapping[str, Value] = {}
    overrides_by_unit = overrides_by_unit or {}
    scored = (
        _score(
            indicator_set,
            code,
            kind,
            values_by_unit.get(code, empty),
            overrides_by_unit.get(code),
            None,
        )
        for code, kind in units
    )
    return [unit.result(rank) for unit, rank in _ranking(scored)]


def _number(value: Decimal) -> float | int:
    """A 2-decimal amount as a JSON number (87.5, 90, 7.86)."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def _points(scores: Mapping[str, IndicatorScore]) -> dict[str, Decimal]:
    if isinstance(scores, ScoreMap):
        return scores.points()
    return {code: item.score for code, item in scores.items()}


def result_to_dict(result: UnitResult) -> dict[str, Any]:
    """The SPEC §4 JSON shape of a result: ``unit, kind, total, grade, rank, veto, scores,
    missing``, numbers as JSON numbers at 2 decimals. ``scores`` holds every applicable
    indicator, bonus and veto indicators included (a veto's score is 0)."""
    return {
        "unit": result.unit,
        "kind": result.kind,
        "total": _number(result.total),
        "grade": result.grade,
        "rank": result.rank,
        "veto": result.veto,
        "scores": {code: _number(score) for code, score in _points(result.scores).items()},
        "missing": list(result.missing),
    }
