"""What the API reads of the self-reports (自评) of a cycle: each unit's submission status
and one unit's per-indicator values, from the read models the overview and the unit's
self-report page use, for the units the person may see (``unit_visible``)."""

from __future__ import annotations

from assess.api.reads import Window, cycle_row, readable_cycle, utc
from assess.core.enums import CycleState
from assess.core.policy import unit_visible
from assess.cycles import submissions
from assess.cycles.models import Cycle
from assess.cycles.pages import unit_statuses
from assess.cycles.submission_progress import completion_times
from assess.units.models import Unit
from assess.units.tree import units_in_tree_order


def readable_cycle_of_work(user, cycle_id: int) -> Cycle | None:
    """The cycle if ``user`` may read its work in progress (``submissions.view`` as the
    self-report page: a cycle it sees and reaches, and not a draft, which has no work yet);
    None otherwise, never confirming that it exists."""
    cycle = readable_cycle(user, cycle_id, "submissions.view")
    return None if cycle is None or cycle.state == CycleState.DRAFT else cycle


def statuses(user, cycle: Cycle, status: str | None, window: Window) -> dict:
    """Every assigned unit's self-report status in ``cycle`` (``pages.unit_statuses``, the
    overview's), for the units ``user`` sees (a reporter its own), in tree order, of one
    ``status`` (a ReportProgress) if given, one page of them. ``submitted_at`` is when the
    last scored item was handed in, for a complete self-report only."""
    every = {
        unit_id: s for unit_id, s in unit_statuses(cycle).items() if unit_visible(user, unit_id)
    }
    if status is not None:
        every = {unit_id: s for unit_id, s in every.items() if s.state == status}
    done = completion_times(cycle, [unit_id for unit_id, s in every.items() if s.complete])
    rows = []
    for unit in units_in_tree_order(every):
        s = every[unit.id]
        rows.append(
            {
                "unit_id": unit.id,
                "unit_code": unit.code,
                "unit_name": unit.name,
                "status": str(s.state),
                "complete": s.complete,
                "assigned": s.assigned,
                "filled": s.filled,
                "submitted": s.submitted,
                "verified": s.verified,
                "returned": s.returned,
                "self_report_due": s.due,
                "submitted_at": utc(done.get(unit.id)),
            }
        )
    page = window.cut(rows)
    page["cycle"] = cycle_row(cycle)
    return page


def visible_unit(user, unit_id: int) -> Unit | None:
    """The unit if ``user`` may see it (``unit_visible``), else None."""
    if not unit_visible(user, unit_id):
        return None
    return Unit.get_or_none(Unit.id == unit_id)


def self_report(cycle: Cycle, unit: Unit, window: Window) -> dict:
    """``unit``'s self-report in ``cycle`` (``submissions.unit_items``, its page's lines):
    every assigned indicator in set order with the value and narrative saved, its status
    (null: nothing saved), one page of them."""
    rows = []
    for item in submissions.unit_items(cycle, unit):
        sub = item.submission
        rows.append(
            {
                "code": item.indicator.code,
                "name": item.indicator.name,
                "category_code": item.indicator.category_code,
                "status": item.status,
                "value": sub.value_text if sub and sub.value_text else None,
                "narrative": sub.narrative if sub else "",
                "target": None if item.target is None else str(item.target),
                "weight": str(item.weight),
                "evidence": len(item.evidence),
                "updated_at": utc(sub.updated_at) if sub else None,
                "submitted_at": utc(sub.submitted_at) if sub else None,
            }
        )
    page = window.cut(rows)
    page.update(cycle=cycle_row(cycle), unit_id=unit.id, unit_code=unit.code, unit_name=unit.name)
    return page
