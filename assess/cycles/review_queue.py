"""The inspection queue (核查队列): which handed-in items an inspector works through, in
which order, filtered by unit, category, status, deduction and lateness, and the neighbours
of an item in that order (上一项 / 下一项)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import peewee as pw

from assess.core.enums import RectificationState, SubmissionState
from assess.core.formatting import local_today
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Rectification, Submission
from assess.units.models import Unit
from assess.units.tree import in_tree_order, tree_order, tree_positions

# What the queue lists: every item a unit handed in or that was sent back to it.
QUEUE_STATES = (SubmissionState.SUBMITTED, SubmissionState.RETURNED, SubmissionState.VERIFIED)
ALL_STATES = "all"


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters, as the query string carries them (``?unit=&category=&status=
    &deducted=1&overdue=1``), so a filtered queue survives every page in between."""

    status: str = SubmissionState.SUBMITTED
    unit_id: int | None = None
    category: str = ""
    deducted: bool = False
    overdue: bool = False

    def args(self, **changes) -> dict[str, object]:
        """The query-string arguments of this filter (defaults left out), with ``changes``."""
        f = replace(self, **changes)
        out: dict[str, object] = {"status": f.status}
        if f.unit_id:
            out["unit"] = f.unit_id
        if f.category:
            out["category"] = f.category
        if f.deducted:
            out["deducted"] = 1
        if f.overdue:
            out["overdue"] = 1
        return out


def _sort_keys(cycle: Cycle) -> tuple[pw.Node, ...]:
    """The unit tree's order (a county, then its townships and their communities), then the
    indicator's place in the set (not its code: A10 after A9)."""
    codes = [i.code for i in indicator_set(cycle).indicators()]
    position = pw.Case(Submission.indicator_code, [(c, n) for n, c in enumerate(codes)], len(codes))
    return (tree_order(Submission.unit), position)


def _overdue(cycle: Cycle, today: date) -> pw.Expression:
    """Outstanding past a deadline: awaiting review after 核查截止, sent back and not handed
    in again after 自评截止, or with an open rectification demand past its due date."""
    late_states = []
    if cycle.review_due and today > cycle.review_due:
        late_states.append(SubmissionState.SUBMITTED)
    if cycle.self_report_due and today > cycle.self_report_due:
        late_states.append(SubmissionState.RETURNED)
    rectification = Rectification.select(Rectification.id).where(
        Rectification.cycle == cycle,
        Rectification.unit == Submission.unit,
        (Rectification.indicator_code == Submission.indicator_code)
        | (Rectification.indicator_code == ""),
        Rectification.status == RectificationState.OPEN,
        Rectification.due_date < today,
    )
    late = pw.fn.EXISTS(rectification)
    return (Submission.status.in_(late_states) | late) if late_states else late


def queue_query(cycle: Cycle, recused: frozenset[int], f: QueueFilter, today: date | None = None):
    """The items matching ``f``, with their units, in queue order; never a recused unit's."""
    states = QUEUE_STATES if f.status == ALL_STATES else (f.status,)
    query = (
        Submission.select(Submission, Unit)
        .join(Unit)
        .where(Submission.cycle == cycle, Submission.status.in_(states))
    )
    if recused:
        query = query.where(Submission.unit.not_in(recused))
    if f.unit_id:
        query = query.where(Submission.unit == f.unit_id)
    if f.category:
        category = next((c for c in indicator_set(cycle).categories if c.code == f.category), None)
        codes = [i.code for i in category.indicators] if category else []
        query = query.where(Submission.indicator_code.in_(codes or [""]))
    if f.deducted:
        query = query.where(Submission.deduction > 0)
    if f.overdue:
        query = query.where(_overdue(cycle, today or local_today()))
    return query.order_by(*_sort_keys(cycle))


def overdue_ids(cycle: Cycle, ids: list[int], today: date | None = None) -> set[int]:
    """Which of the items ``ids`` are overdue (see ``_overdue``): one query."""
    if not ids:
        return set()
    query = Submission.select(Submission.id).where(
        Submission.id.in_(ids), _overdue(cycle, today or local_today())
    )
    return {row.id for row in query}


def status_counts(cycle: Cycle, recused: frozenset[int], f: QueueFilter) -> dict[str, int]:
    """How many items each status tab holds under the other filters (one query)."""
    query = queue_query(cycle, recused, replace(f, status=ALL_STATES)).order_by()
    counts = {state: 0 for state in QUEUE_STATES}
    rows = query.select(Submission.status, pw.fn.COUNT(Submission.id)).group_by(Submission.status)
    for status, count in rows.tuples():
        counts[status] = count
    counts[ALL_STATES] = sum(counts.values())
    return counts


def units_in_queue(cycle: Cycle, recused: frozenset[int]) -> list[Unit]:
    """The units with handed-in items in the cycle, in unit order: the unit filter's choices."""
    query = (
        Unit.select()
        .join(Submission, on=(Submission.unit == Unit.id))
        .where(Submission.cycle == cycle, Submission.status.in_(QUEUE_STATES))
        .distinct()
    )
    if recused:
        query = query.where(Unit.id.not_in(recused))
    return in_tree_order(query)


@dataclass(frozen=True)
class Neighbours:
    """Where an item stands in the filtered queue: the items before and after it, and its
    place (``position`` of ``total``; 0 when the item no longer matches the filter)."""

    previous: Submission | None
    next: Submission | None
    position: int
    total: int


def neighbours(
    cycle: Cycle, recused: frozenset[int], f: QueueFilter, sub: Submission
) -> Neighbours:
    """The items just before and after ``sub`` in queue order under ``f``, whether or not
    ``sub`` itself still matches (an item just verified leaves the 待核查 filter, and the
    next one is still the one after it). Four small queries whatever the queue's length."""
    keys = _sort_keys(cycle)
    codes = [i.code for i in indicator_set(cycle).indicators()]
    positions = tree_positions()
    here = (
        positions.get(sub.unit_id, len(positions)),
        codes.index(sub.indicator_code) if sub.indicator_code in codes else len(codes),
    )

    def after(forward: bool) -> pw.Expression:
        # Row values spelled out: (a, b) > (x, y) on every database.
        cmp = (lambda k, v: k > v) if forward else (lambda k, v: k < v)
        return cmp(keys[0], here[0]) | ((keys[0] == here[0]) & cmp(keys[1], here[1]))

    base = queue_query(cycle, recused, f)
    following = base.where(after(True)).first()
    preceding = base.where(after(False)).order_by(*(k.desc() for k in keys)).first()
    total = base.order_by().count()
    matches = base.where(Submission.id == sub.id).order_by().exists()
    position = base.where(after(False)).order_by().count() + 1 if matches else 0
    return Neighbours(preceding, following, position, total)


def picked(
    cycle: Cycle, recused: frozenset[int], picks: list[tuple[int, int]]
) -> list[tuple[Submission, int]]:
    """The ticked items of the cycle with the version each was seen at, in the order
    ticked, for the confirmation page; another cycle's or a recused unit's are left out."""
    ids = [sub_id for sub_id, _version in picks]
    query = (
        Submission.select(Submission, Unit)
        .join(Unit)
        .where(Submission.cycle == cycle, Submission.id.in_(ids or [0]))
    )
    rows = {s.id: s for s in query if s.unit_id not in recused}
    return [(rows[sub_id], version) for sub_id, version in picks if sub_id in rows]
