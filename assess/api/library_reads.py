"""What the API reads of the indicator library (指标库): the cycles' indicator sets and
their indicators, as the library pages show them to one person.

A set served here is a cycle's own copy (the one its results are computed from), named by
the cycle's id; the shipped sets are files to start a cycle from, not data of the system.
"""

from __future__ import annotations

from decimal import Decimal

from assess.api.reads import Window, readable_cycle
from assess.core.policy import reaches_cycle
from assess.cycles import library, lifecycle
from assess.cycles.models import Cycle


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _set_row(cycle: Cycle) -> dict:
    try:
        parsed = lifecycle.indicator_set(cycle)
    except lifecycle.CycleError:
        parsed = None  # a set that no longer loads is listed, with nothing read from it
    return {
        "id": cycle.id,
        "cycle_name": cycle.name,
        "cycle_year": cycle.year,
        "cycle_state": cycle.state,
        "program": parsed.program if parsed else None,
        "year": parsed.year if parsed else None,
        "source": parsed.source if parsed else None,
        "indicators": len(parsed.indicators()) if parsed else 0,
        "frozen": not library.editable(cycle),
    }


def indicator_sets(user, state: str | None, window: Window) -> dict:
    """The sets of the cycles ``user``'s scope reaches for ``library.view`` (the library
    page's list), of cycles in ``state`` if given, newest first, one page of them."""
    query = Cycle.select().order_by(Cycle.year.desc(), Cycle.id.desc())
    if state is not None:
        query = query.where(Cycle.state == state)
    rows = [_set_row(c) for c in query if reaches_cycle(user, c, "library.view")]
    return window.cut(rows)


def readable_set(user, cycle_id: int) -> Cycle | None:
    """The cycle whose set ``user`` may read (``guard.viewable_cycle`` for ``library.view``,
    as the library's set page); None otherwise, never confirming that it exists."""
    return readable_cycle(user, cycle_id, "library.view")


def indicators(cycle: Cycle, category: str | None, window: Window) -> dict:
    """The indicators of ``cycle``'s set in set order (of one ``category`` code if given),
    with rule, target, weight and policy clause, one page of them. Raises CycleError for a
    set that does not load."""
    parsed = lifecycle.indicator_set(cycle)
    rows = [
        {
            "code": i.code,
            "name": i.name,
            "category_code": c.code,
            "category_name": c.name,
            "applies_to": list(i.applies_to),
            "rule": i.rule,
            "measure": i.measure,
            "unit": i.unit,
            "direction": i.direction,
            "target": _text(i.target),
            "weight": str(i.weight),
            "source": i.source,
            "evidence": list(i.evidence),
        }
        for c in parsed.categories
        if category is None or c.code == category
        for i in c.indicators
    ]
    page = window.cut(rows)
    page["indicator_set"] = _set_row(cycle)
    return page
