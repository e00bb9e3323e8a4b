"""What the API reads, for one person: units, cycles, published results.

Each function takes the actor and returns plain dicts the schemas serialise; visibility is
``assess.core.policy``'s, the same as on the pages. Nothing here reads the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from assess.core.policy import can, reaches_cycle, unit_visible
from assess.cycles.models import Cycle, ResultSnapshot, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.units.models import Unit
from assess.units.tree import in_tree_order, visible_units


def utc(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as an aware one: RFC 3339 needs the offset."""
    return value.replace(tzinfo=UTC) if value is not None else None


#: ``per_page`` of a window that holds the whole list (an export).
EVERYTHING = 10**9


@dataclass(frozen=True)
class Window:
    """One page of a list: ``page`` counts from 1, at most ``per_page`` items."""

    page: int
    per_page: int

    def cut(self, rows: list) -> dict:
        start = (self.page - 1) * self.per_page
        return {
            "items": rows[start : start + self.per_page],
            "page": self.page,
            "per_page": self.per_page,
            "total": len(rows),
        }


def units(user, window: Window) -> dict:
    """The units ``user`` sees in the unit tree (``visible_units``), in tree order, each with
    its parent and depth, one page of them."""
    rows = in_tree_order(visible_units(user))
    seen = {u.id for u in rows}
    depth: dict[int, int] = {}
    out = []
    for u in rows:  # tree order: a parent comes before its children
        parent = u.__data__.get("parent")
        depth[u.id] = depth.get(parent, -1) + 1 if parent in seen else 0
        out.append(
            {
                "id": u.id,
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "parent_id": parent,
                "depth": depth[u.id],
                "active": u.active,
            }
        )
    return window.cut(out)


def cycle_row(cycle: Cycle) -> dict:
    return {
        "id": cycle.id,
        "year": cycle.year,
        "name": cycle.name,
        "state": cycle.state,
        "owner_id": cycle.__data__.get("owner"),
        "self_report_due": cycle.self_report_due,
        "review_due": cycle.review_due,
        "published_at": utc(cycle.published_at),
    }


def cycles(user, window: Window) -> dict:
    """The cycles ``user`` may see (``cycles.view``: its scope reaches them, a reporter only
    those assessing its unit), newest first, one page of them."""
    rows = Cycle.select().order_by(Cycle.year.desc(), Cycle.id.desc())
    return window.cut([cycle_row(c) for c in rows if can(user, "cycles.view", c)])


def readable_cycle(user, cycle_id: int, action: str = "results.view") -> Cycle | None:
    """The cycle if ``user`` may see it (``cycles.view``) and its scope reaches it for
    ``action`` (``reaches_cycle``), as ``guard.viewable_cycle`` decides for a page; None
    otherwise, never confirming that it exists."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or not can(user, "cycles.view", cycle):
        return None
    return cycle if reaches_cycle(user, cycle, action) else None


def _scores(text: str) -> list[dict]:
    return [
        {
            "code": code,
            "score": item.get("score"),
            "value": item.get("value"),
            "missing": bool(item.get("missing")),
            "deduction": item.get("deduction") or None,
            # 得分依据 in plain Chinese, as printed; a snapshot published before it was
            # stored has only the formula.
            "explanation": item.get("basis") or item.get("formula") or "",
        }
        for code, item in sorted(json.loads(text or "{}").items())
    ]


def results(user, cycle: Cycle, snapshot: ResultSnapshot, window: Window) -> dict:
    """The published results of ``snapshot`` for the units ``user`` may see
    (``unit_visible``: a reporter its own unit only), by kind and rank, one page of them."""
    r = UnitResultRecord
    query = (
        r.select(r, Unit)
        .join(Unit)
        .where(r.snapshot == snapshot)
        .order_by(r.kind, r.veto, r.rank, Unit.code)
    )
    rows = [
        {
            "unit_id": rec.unit.id,
            "unit_code": rec.unit.code,
            "unit_name": rec.unit.name,
            "kind": rec.kind,
            "total": str(rec.total),
            "grade": rec.grade,
            "rank": rec.rank,
            "veto": rec.veto,
            "scores": _scores(rec.scores),
        }
        for rec in query
        if unit_visible(user, rec.unit.id)
    ]
    page = window.cut(rows)
    page.update(
        cycle=cycle_row(cycle),
        snapshot_version=snapshot.version,
        snapshot_published_at=utc(snapshot.published_at),
    )
    return page


def published_snapshot(cycle: Cycle) -> ResultSnapshot | None:
    """The cycle's current publication, or None before its results are published."""
    return current_snapshot(cycle)
