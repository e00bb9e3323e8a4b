"""What-if simulation (权重模拟): last year's values re-scored under a draft indicator set,
with weights edited on the page, before anything is saved.

Pure functions over :mod:`scoring.model` objects; the scoring is :mod:`scoring.engine`'s
(``score_unit``, ``rank_results``), so a simulated total is exactly what publishing the
same values under the same set would give.

Choices the office relies on when reading a simulation:

- A value is carried over under its indicator code only when the draft indicator has the
  same ``measure`` (a rate stays a rate); otherwise it is dropped, the draft indicator
  scores as missing (0) and its code is listed in ``Simulation.dropped``.
- An indicator of the draft set that last year's set lacked has no value: it scores as
  missing (0), like any unreported indicator, and its code is listed in
  ``Simulation.new_indicators``.
- Last year's deductions (扣分) are applied again, to the indicator they were made on
  (扣完为止, at most its new score), so the simulation differs from the publication only
  by the set.
- Edited weights need not sum to what the saved set sums to: totals are normalised to
  100 either way (SPEC §3). ``Simulation.weight_sums`` shows both sums per unit kind and
  the page warns when they differ, but the simulation still runs.
- A unit whose kind the draft set assesses with no indicator at all is left out of the
  comparison and listed in ``Simulation.not_assessed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from scoring.engine import UnitResult, rank_results, score_unit
from scoring.i18n import _
from scoring.model import ASSESSED_KINDS, Category, IndicatorSet
from scoring.values import Value

#: A weight is at most this (the column holding a unit's own weight has 6 digits before the point).
MAX_WEIGHT = Decimal(10**6)


class WeightError(ValueError):
    """Edited weights that cannot be simulated; ``errors`` maps each indicator code to
    what is wrong with its weight."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(_("权重有误，未进行模拟"))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class Standing:
    """A unit's place in a ranking: total, grade (等次), competition rank within its kind,
    veto (否决)."""

    total: Decimal
    grade: str
    rank: int | None
    veto: bool = False


@dataclass(frozen=True, slots=True)
class Baseline:
    """A unit as last year's results had it: code, kind, its standing there, the values
    scored and the deductions made (indicator code -> points)."""

    unit: str
    kind: str
    standing: Standing
    values: Mapping[str, Value]
    deductions: Mapping[str, Decimal] | None = None


@dataclass(frozen=True, slots=True)
class SimulatedUnit:
    """One unit before (as last year's results have it) and after (re-scored)."""

    unit: str
    kind: str
    before: Standing
    after: Standing

    @property
    def delta(self) -> Decimal:
        """The change of the total, after minus before."""
        return self.after.total - self.before.total

    @property
    def rank_shift(self) -> int | None:
        """Places gained (positive) or lost (negative); None when either rank is unknown."""
        if self.before.rank is None or self.after.rank is None:
            return None
        return self.before.rank - self.after.rank

    @property
    def grade_changed(self) -> bool:
        return self.before.grade != self.after.grade


@dataclass(frozen=True, slots=True)
class WeightSum:
    """Σ of the base weights that apply to a unit kind, in the saved set and as edited."""

    kind: str
    saved: Decimal
    edited: Decimal

    @property
    def changed(self) -> bool:
        return self.saved != self.edited


@dataclass(frozen=True, slots=True)
class Simulation:
    """The outcome: every compared unit in report order (kinds in ``ASSESSED_KINDS``
    order, then the simulated rank, ties by unit code), and what the office should know
    about how it was reached (see the module's notes)."""

    units: tuple[SimulatedUnit, ...]
    weight_sums: tuple[WeightSum, ...]
    new_indicators: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    not_assessed: tuple[str, ...] = ()

    @property
    def grade_changes(self) -> tuple[SimulatedUnit, ...]:
        """The units whose grade changes, in report order."""
        return tuple(u for u in self.units if u.grade_changed)

    def of_kind(self, kind: str) -> tuple[SimulatedUnit, ...]:
        return tuple(u for u in self.units if u.kind == kind)

    def kinds(self) -> tuple[str, ...]:
        """The unit kinds compared, in report order."""
        return tuple(dict.fromkeys(u.kind for u in self.units))


def standing_of(result: UnitResult) -> Standing:
    """The standing of a ranked engine result."""
    return Standing(result.total, result.grade, result.rank, result.veto)


def check_weights(indicator_set: IndicatorSet, typed: Mapping[str, str]) -> dict[str, Decimal]:
    """The weights typed on the page (indicator code -> text) as decimals, those left blank
    left out. Raises :class:`WeightError` with every problem: an indicator the set does not
    have, a bonus or veto indicator (they carry no weight), not a number, negative, more
    than 2 decimals, or beyond :data:`MAX_WEIGHT`."""
    weights: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    known = {i.code: i for i in indicator_set.indicators()}
    for code, text in typed.items():
        text = (text or "").strip()
        if not text:
            continue
        indicator = known.get(code)
        if indicator is None:
            errors[code] = _("指标体系中没有指标 %(code)s", code=code)
            continue
        if not indicator.is_base:
            errors[code] = _("加分项和一票否决项没有权重")
            continue
        try:
            weight = Decimal(text)
        except InvalidOperation:
            errors[code] = _("权重须为数字")
            continue
        if not weight.is_finite():
            errors[code] = _("权重须为数字")
        elif weight < 0:
            errors[code] = _("权重不能为负数")
        elif weight >= MAX_WEIGHT:
            errors[code] = _("权重过大")
        elif weight != weight.quantize(Decimal("0.01")):
            errors[code] = _("权重最多保留 2 位小数")
        else:
            weights[code] = weight
    if errors:
        raise WeightError(errors)
    return weights


def reweighted(indicator_set: IndicatorSet, weights: Mapping[str, Decimal]) -> IndicatorSet:
    """A copy of ``indicator_set`` with the ``weights`` of the indicators they name (checked
    by :func:`check_weights`); the set itself is left as it is."""
    if not weights:
        return indicator_set
    categories = tuple(
        Category(
            category.code,
            category.name,
            tuple(
                replace(i, weight=weights[i.code]) if i.code in weights else i
                for i in category.indicators
            ),
        )
        for category in indicator_set.categories
    )
    return IndicatorSet(
        indicator_set.program,
        indicator_set.year,
        indicator_set.source,
        indicator_set.grades,
        categories,
    )


def _kind_sums(indicator_set: IndicatorSet) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for indicator in indicator_set.indicators():
        if not indicator.is_base:
            continue
        for kind in indicator.applies_to:
            if kind in ASSESSED_KINDS:
                sums[kind] = sums.get(kind, Decimal(0)) + indicator.weight
    return sums


def weight_sums(saved: IndicatorSet, edited: IndicatorSet) -> tuple[WeightSum, ...]:
    """Per unit kind the set assesses, Σ of its base weights saved and edited (weights of
    indicators applying to single unit codes are not in these sums)."""
    before, after = _kind_sums(saved), _kind_sums(edited)
    kinds = [k for k in ASSESSED_KINDS if k in before or k in after]
    return tuple(WeightSum(k, before.get(k, Decimal(0)), after.get(k, Decimal(0))) for k in kinds)


def simulate(
    previous_set: IndicatorSet,
    draft_set: IndicatorSet,
    baselines: Iterable[Baseline],
    weights: Mapping[str, Decimal] | None = None,
    overrides_by_unit: Mapping[str, Mapping[str, Mapping[str, Decimal]]] | None = None,
) -> Simulation:
    """Re-score each baseline unit's values under ``draft_set`` with ``weights`` (checked
    by :func:`check_weights`) in place of the saved ones and the draft's per-unit
    overrides (目标责任书, unit code -> indicator code -> field -> value, which win over an
    edited weight), rank as publishing does, and pair each unit's result with its
    baseline standing. Raises ``ValueError`` when an override leaves an indicator invalid
    (see :func:`scoring.engine.score_unit`)."""
    edited = reweighted(draft_set, weights or {})
    overrides_by_unit = overrides_by_unit or {}
    previous_codes = {i.code: i for i in previous_set.indicators()}
    draft_codes = {i.code: i for i in draft_set.indicators()}
    carried = {
        code
        for code, indicator in draft_codes.items()
        if code in previous_codes and previous_codes[code].measure == indicator.measure
    }
    dropped = sorted(c for c in draft_codes if c in previous_codes and c not in carried)
    new = [c for c in draft_codes if c not in previous_codes]
    befores: dict[str, Standing] = {}
    results: list[UnitResult] = []
    not_assessed: list[str] = []
    for baseline in baselines:
        if not edited.applicable(baseline.unit, baseline.kind):
            not_assessed.append(baseline.unit)
            continue
        values = {c: v for c, v in baseline.values.items() if c in carried}
        deductions = {c: d for c, d in (baseline.deductions or {}).items() if c in carried}
        befores[baseline.unit] = baseline.standing
        results.append(
            score_unit(
                edited,
                baseline.unit,
                baseline.kind,
                values,
                overrides_by_unit.get(baseline.unit),
                deductions or None,
            )
        )
    units = tuple(
        SimulatedUnit(r.unit, r.kind, befores[r.unit], standing_of(r))
        for r in rank_results(results)
    )
    return Simulation(
        units,
        weight_sums(draft_set, edited),
        tuple(new),
        tuple(dropped),
        tuple(sorted(not_assessed)),
    )
