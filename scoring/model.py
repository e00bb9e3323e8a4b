"""The indicator library as immutable data: an indicator set (指标体系), its categories,
indicators, tiers and grade bands.

Nothing here parses or scores; :mod:`scoring.loader` builds these objects from YAML and
validates them, :mod:`scoring.engine` scores values against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: Unit kinds an indicator may apply to (see SPEC §1), in the order reports list them.
ASSESSED_KINDS: tuple[str, ...] = ("county", "department", "township", "community")

#: How a value is entered: a rate as numerator/denominator, a count, an amount, a yes/no,
#: or a qualitative grade.
MEASURES: tuple[str, ...] = ("rate", "count", "amount", "boolean", "grade")

DIRECTIONS: tuple[str, ...] = ("higher", "lower")

#: The qualitative grades an inspector gives (定性评价), best first.
GRADE_LEVELS: tuple[str, ...] = ("优", "良", "中", "差")

#: Default share of the weight each grade earns; ``grade_points`` overrides it per indicator.
DEFAULT_GRADE_POINTS: dict[str, Decimal] = {
    "优": Decimal("1.0"),
    "良": Decimal("0.8"),
    "中": Decimal("0.6"),
    "差": Decimal("0"),
}

#: Rules whose score is not part of the normalised base (their weight is 0).
UNWEIGHTED_RULES: frozenset[str] = frozenset({"bonus", "veto"})


@dataclass(frozen=True, slots=True)
class GradeBand:
    """A grade (等级) awarded to totals of at least ``min``."""

    min: Decimal
    grade: str


@dataclass(frozen=True, slots=True)
class Tier:
    """One step of a ``tiered`` rule (分档): ``bound`` is the tier's ``min`` for
    higher-is-better indicators and its ``max`` for ``direction: lower``."""

    bound: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class CycleSource:
    """A value taken from results instead of a self-report (取数来源, ``from_cycle:`` in the
    file): the share of the units that the assessed unit's own cycle of the same year
    assessed and graded ``share_graded`` or better (``合格``: 合格, 良好 and 优秀), from that
    cycle's published results, e.g. a county's townships graded 合格 or better."""

    share_graded: str


@dataclass(frozen=True, slots=True)
class Indicator:
    """One assessment indicator (考核指标) with its scoring rule and policy clause."""

    code: str
    name: str
    category_code: str
    applies_to: tuple[str, ...]
    measure: str
    unit: str = ""
    target: Decimal | None = None
    direction: str = "higher"
    weight: Decimal = Decimal(0)
    rule: str = "threshold"
    floor: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    per_item: Decimal | None = None
    cap: Decimal | None = None
    #: Overrides of :data:`DEFAULT_GRADE_POINTS`, as ``(grade, points)`` pairs in
    #: :data:`GRADE_LEVELS` order; only the grades the set names are stored.
    grade_points: tuple[tuple[str, Decimal], ...] = ()
    evidence: tuple[str, ...] = ()
    source: str = ""
    #: The sane range of a value (``min:`` / ``max:`` in the file; a rate's as a percent);
    #: None takes the measure's default (:data:`scoring.values.DEFAULT_RANGES`).
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    #: Set when the value is taken from the unit's own published cycle rather than
    #: reported (see :class:`CycleSource`); such an indicator is a ``rate``.
    from_cycle: CycleSource | None = None

    @property
    def is_base(self) -> bool:
        """True when the indicator's score counts towards the normalised base total."""
        return self.rule not in UNWEIGHTED_RULES

    def points(self) -> dict[str, Decimal]:
        """The share of the weight each grade earns: defaults merged with ``grade_points``."""
        merged = dict(DEFAULT_GRADE_POINTS)
        merged.update(self.grade_points)
        return merged

    def applies(self, unit_code: str, unit_kind: str) -> bool:
        """True when this indicator is assessed for the unit (by its kind or its code)."""
        return unit_kind in self.applies_to or unit_code in self.applies_to


@dataclass(frozen=True, slots=True)
class Category:
    """A group of indicators (一级指标), e.g. 宣传教育服务."""

    code: str
    name: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class IndicatorSet:
    """A complete indicator set (指标体系) for one programme and assessment year."""

    program: str
    year: int
    source: str
    grades: tuple[GradeBand, ...]
    categories: tuple[Category, ...]
    # Derived lookups and the engine's compiled plans; never part of equality or hashing.
    _index: dict[str, Indicator] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )
    _cache: dict = field(init=False, repr=False, compare=False, hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        for category in self.categories:
            for indicator in category.indicators:
                self._index.setdefault(indicator.code, indicator)

    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator, in category order then file order."""
        return tuple(self._index.values())

    def indicator(self, code: str) -> Indicator:
        """The indicator with ``code``; raises ``KeyError`` when the set has none."""
        return self._index[code]

    def applicable(self, unit_code: str, unit_kind: str) -> tuple[Indicator, ...]:
        """The indicators assessed for a unit, in set order: those listing its kind or its code."""
        return tuple(i for i in self._index.values() if i.applies(unit_code, unit_kind))

    def unit_codes(self) -> frozenset[str]:
        """Unit codes named in any ``applies_to`` (entries that are not unit kinds)."""
        return frozenset(
            entry
            for i in self._index.values()
            for entry in i.applies_to
            if entry not in ASSESSED_KINDS
        )

    def grade_for(self, total: Decimal) -> str:
        """The grade of the first band whose ``min`` is at most ``total``."""
        for band in self.grades:
            if band.min <= total:
                return band.grade
        return self.lowest_grade()

    def lowest_grade(self) -> str:
        """The grade of the lowest band (the grade a vetoed unit receives)."""
        return min(self.grades, key=lambda band: band.min).grade
