"""The assessments a unit's own office runs (本级组织的考核, issue 16 item 3): for a city
cycle's year, the cycles owned by a county (or by a unit under it) — how many units each
assesses and, once published, how their grades came out — so the city's reports can show
how the county assessed its townships.

Read from the current snapshot only, like every published result: an open cycle's
provisional scores are the county office's working state, not a result.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from assess.core.enums import RESULT_CYCLE_STATES, CycleState
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Assignment, Cycle, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.units.models import Unit
from scoring.engine import grade_distribution


@dataclass(frozen=True)
class OwnedAssessment:
    """One cycle run by ``owner`` (主办单位) below the unit asked about.

    ``assessed`` counts the units the cycle assesses (those with assignments), ``kinds``
    their unit kinds (stored codes, sorted); ``grades`` is ``(grade, units)`` from the best
    grade down when ``published``, empty otherwise.
    """

    cycle_id: int
    name: str
    owner: str
    state: CycleState
    published: bool
    assessed: int
    kinds: tuple[str, ...]
    grades: tuple[tuple[str, int], ...] = ()


def owned_by(cycle: Cycle, units: list[Unit]) -> dict[int, tuple[OwnedAssessment, ...]]:
    """Per unit id of ``units``, the cycles of ``cycle``'s year owned by that unit or by a
    unit under it, by name; a unit with none is absent. ``cycle`` itself is never listed.
    Drafts are left out: a draft has no assignments yet and may still change set or be
    deleted, so it is no assessment to report."""
    if not units:
        return {}
    owned = list(
        Cycle.select()
        .where(
            Cycle.year == cycle.year,
            Cycle.owner.is_null(False),
            Cycle.id != cycle.id,
            Cycle.state != CycleState.DRAFT.value,
        )
        .order_by(Cycle.name, Cycle.id)
    )
    if not owned:
        return {}
    rows = Unit.raw_rows(Unit.id, Unit.parent, Unit.name)  # the whole tree, one query
    parent_of = {uid: parent for uid, parent, _name in rows}
    names = {uid: name for uid, _parent, name in rows}
    wanted = {u.id for u in units}
    found: dict[int, list[OwnedAssessment]] = {}
    for c in owned:
        holder = _nearest(c.owner_id, wanted, parent_of)
        if holder is not None:
            found.setdefault(holder, []).append(_assessment(c, names[c.owner_id]))
    return {uid: tuple(rows) for uid, rows in found.items()}


def _nearest(unit_id: int, wanted: set[int], parent_of: dict[int, int | None]) -> int | None:
    """``unit_id`` or its nearest ancestor among ``wanted``; None when neither is."""
    seen: set[int] = set()
    node: int | None = unit_id
    while node is not None and node not in seen:  # a loop in bad data must not hang
        if node in wanted:
            return node
        seen.add(node)
        node = parent_of.get(node)
    return None


def _assessment(cycle: Cycle, owner: str) -> OwnedAssessment:
    kinds = (
        Assignment.select(Unit.kind, fn.COUNT(fn.DISTINCT(Assignment.unit)))
        .join(Unit)
        .where(Assignment.cycle == cycle)
        .group_by(Unit.kind)
        .tuples()
    )
    counted = dict(kinds)
    state = CycleState(cycle.state)
    snapshot = current_snapshot(cycle) if state in RESULT_CYCLE_STATES else None
    grades: tuple[tuple[str, int], ...] = ()
    if snapshot is not None:
        stored = UnitResultRecord.select(UnitResultRecord.grade).where(
            UnitResultRecord.snapshot == snapshot
        )
        grades = grade_distribution(indicator_set(cycle), (g for (g,) in stored.tuples()))
    return OwnedAssessment(
        cycle.id,
        cycle.name,
        owner,
        state,
        snapshot is not None,
        sum(counted.values()),
        tuple(sorted(counted)),
        grades,
    )
