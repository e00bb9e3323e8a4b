"""Values an indicator takes from the assessed unit's own published cycle (取数, an
indicator's ``from_cycle:``, issue 16 item 3): e.g. the city's indicator "乡镇考核合格率"
for a county is the share of the townships the county's own cycle of the same year
graded 合格 or better.

Decisions: the source is a cycle *owned by the unit itself* (its office ran it) in the
same year, not one of a unit below it; several such cycles count together; only their
current published snapshots count, like every result (an open cycle is the county's
working state). Without a published result the value is missing (未填报 → 0 points) and
the 得分依据 says why; the reporter never types it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from assess.core.enums import RESULT_CYCLE_STATES
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, ResultSnapshot, UnitResultRecord
from assess.units.models import Unit
from scoring.derived import graded_share, grades_at_least
from scoring.model import IndicatorSet
from scoring.values import Rate, format_value


@dataclass(frozen=True)
class DerivedValue:
    """An indicator's value taken from results: ``value`` (None when there is none yet)
    and ``note``, where it came from in plain Chinese, printed before the 得分依据."""

    value: Rate | None
    note: str


def derived_codes(parsed: IndicatorSet) -> frozenset[str]:
    return frozenset(i.code for i in parsed.indicators() if i.from_cycle is not None)


def derived_values(
    cycle: Cycle, parsed: IndicatorSet, units: Mapping[int, Unit]
) -> dict[int, dict[str, DerivedValue]]:
    """Per unit id of ``units`` and per ``from_cycle`` indicator applying to it, its
    :class:`DerivedValue` for ``cycle``. One query for the owned cycles, then one per
    owned cycle with a published result."""
    derived = [i for i in parsed.indicators() if i.from_cycle is not None]
    if not derived or not units:
        return {}
    owned: dict[int, list[Cycle]] = {}
    query = (
        Cycle.select()
        .where(
            Cycle.year == cycle.year,
            Cycle.owner.in_(list(units)),
            Cycle.id != cycle.id,
            Cycle.state.in_([s.value for s in RESULT_CYCLE_STATES]),
        )
        .order_by(Cycle.name, Cycle.id)
    )
    for owned_cycle in query:
        owned.setdefault(owned_cycle.owner_id, []).append(owned_cycle)
    results = {c.id: _published_grades(c) for cycles in owned.values() for c in cycles}
    out: dict[int, dict[str, DerivedValue]] = {}
    for uid, unit in units.items():
        for indicator in derived:
            if not indicator.applies(unit.code, unit.kind):
                continue
            out.setdefault(uid, {})[indicator.code] = _value_for(
                cycle, unit, indicator.from_cycle.share_graded, owned.get(uid, []), results
            )
    return out


def _published_grades(cycle: Cycle) -> tuple[IndicatorSet, list[str]] | None:
    """The cycle's set and the grades of its current snapshot; None when unpublished."""
    snapshot = ResultSnapshot.get_or_none(
        ResultSnapshot.cycle == cycle,
        ResultSnapshot.current == True,  # noqa: E712
    )
    if snapshot is None:
        return None
    stored = UnitResultRecord.select(UnitResultRecord.grade).where(
        UnitResultRecord.snapshot == snapshot
    )
    return indicator_set(cycle), [grade for (grade,) in stored.tuples()]


def _value_for(cycle, unit, grade: str, cycles: list[Cycle], results) -> DerivedValue:
    published = [(c, results[c.id]) for c in cycles if results.get(c.id) is not None]
    if not published:
        return DerivedValue(
            None,
            _(
                "本项取自%(unit)s%(year)s年度组织的考核结果，尚无已发布的结果",
                unit=unit.name,
                year=cycle.year,
            ),
        )
    grades: list[str] = []
    good: set[str] = set()
    for _owned, (owned_set, owned_grades) in published:
        allowed = grades_at_least(owned_set.grades, grade)
        good |= allowed
        grades.extend(owned_grades)
    names = "、".join(_("《%(name)s》", name=c.name) for c, _r in published)
    if not good:
        return DerivedValue(
            None, _("本项取自%(cycles)s的结果，该考核没有“%(g)s”等次", cycles=names, g=grade)
        )
    value = graded_share(grades, frozenset(good))
    if value is None:
        return DerivedValue(None, _("本项取自%(cycles)s的结果，该考核没有考核单位", cycles=names))
    return DerivedValue(
        value,
        _(
            "本项取自%(cycles)s已发布结果：考核%(n)s个单位，%(k)s个为%(g)s及以上（%(v)s）",
            cycles=names,
            n=format_value(value.denominator),
            k=format_value(value.numerator),
            g=grade,
            v=_("%(p)s%%", p=value.percent.quantize(Decimal("0.01"), ROUND_HALF_UP)),
        ),
    )
