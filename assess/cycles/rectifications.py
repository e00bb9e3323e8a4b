"""Rectification demands (整改要求): issued by inspectors, answered by units, closed."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import NotificationKind, RectificationState
from assess.core.formatting import local_today
from assess.core.models import utcnow
from assess.cycles.lifecycle import locked_cycle
from assess.cycles.models import Cycle, Rectification
from assess.evidence.models import Evidence
from assess.notifications import store
from assess.units.models import Unit
from assess.units.tree import recusal_message

RECTIFICATION_AUDIT_FIELDS = (
    "indicator_code",
    "demand",
    "due_date",
    "status",
    "response",
    "closing_note",
)
# A notification quotes the start of the demand; the whole text is on the linked page.
NOTIFIED_DEMAND_CHARS = 200


class RectificationError(ValueError):
    """A rectification action refused; the message is for the user."""


def evidence_of(rows: list[Rectification]) -> dict[int, list[Evidence]]:
    """The evidence files of each answer (整改佐证材料), by demand id, in upload order (one
    query)."""
    found: dict[int, list[Evidence]] = {r.id: [] for r in rows}
    if rows:
        query = Evidence.select().where(Evidence.rectification.in_(list(found)))
        for e in query.order_by(Evidence.id):
            found[e.rectification_id].append(e)
    return found


def demand(
    cycle: Cycle, unit: Unit, text: str, due: date, actor: User, indicator_code: str = ""
) -> Rectification:
    """Issue a demand to a unit; refused unless the cycle takes rectification writes, and to
    a reviewer from the unit or a unit above or below it (回避)."""
    if not text.strip():
        raise RectificationError(_("整改要求不能为空"))
    if due < local_today():
        raise RectificationError(_("整改期限不能早于今天"))
    with database.atomic():
        locked_cycle(cycle.id, "rectification", RectificationError)
        if unit.conflicts_with(actor):
            raise RectificationError(recusal_message(unit))
        row = Rectification.create(
            cycle=cycle,
            unit=unit,
            indicator_code=indicator_code,
            demand=text.strip(),
            due_date=due,
            created_by=actor,
        )
        audit.record(
            "rectification.create",
            "rectification",
            row.id,
            after=audit.model_snapshot(row, RECTIFICATION_AUDIT_FIELDS),
            actor=actor,
        )
        store.notify_unit(
            unit.id,
            NotificationKind.RECTIFICATION_DEMANDED,
            notified_params(row),
            demand_link(row),
        )
    return row


def respond(row: Rectification, text: str, actor: User) -> None:
    """The unit's account of what it rectified; may be revised until closed, while the
    cycle takes rectification writes (see ``assess.core.policy.CYCLE_WRITES``)."""
    if not text.strip():
        raise RectificationError(_("整改情况不能为空"))
    _change(
        row,
        actor,
        "rectification.respond",
        response=text.strip(),
        status=RectificationState.RESPONDED,
        responded_at=utcnow(),
    )


def close(row: Rectification, note: str, actor: User) -> None:
    """Close a demand (with an optional note); refused once closed or the cycle published,
    and to a reviewer from the unit or a unit above or below it (回避)."""
    with database.atomic():
        _change(
            row,
            actor,
            "rectification.close",
            recuse=True,
            status=RectificationState.CLOSED,
            closing_note=note.strip(),
            closed_at=utcnow(),
        )
        store.notify_unit(
            row.unit_id,
            NotificationKind.RECTIFICATION_CLOSED,
            notified_params(row),
            demand_link(row),
        )


def notified_params(row: Rectification) -> dict:
    """What a notification about a demand quotes: the cycle, the indicator, the start of
    the demand and its due date."""
    return {
        "cycle": Cycle.get_by_id(row.cycle_id).title,
        "code": row.indicator_code,
        "demand": row.demand[:NOTIFIED_DEMAND_CHARS],
        "due": row.due_date.isoformat(),
    }


def demand_link(row: Rectification) -> str:
    """A notification's link to the demand on its unit's self-report page."""
    return store.target(
        "selfreport.unit_page",
        cycle_id=row.cycle_id,
        unit_id=row.unit_id,
        _anchor=f"rect-{row.id}",
    )


def _change(row: Rectification, actor: User, action: str, recuse: bool = False, **changes) -> None:
    """Apply ``changes`` to a demand still open or answered, in a cycle that takes
    rectification writes: both read from rows locked inside the transaction. ``recuse``:
    an inspector's action, refused to one from the unit or a unit above or below it."""
    with database.atomic():
        locked_cycle(row.cycle_id, "rectification", RectificationError)
        current = locked(Rectification, row.id)
        if current.status == RectificationState.CLOSED:
            raise RectificationError(_("该整改要求已关闭"))
        if recuse and current.conflicts_with(actor):
            raise RectificationError(recusal_message(current.unit))
        before = audit.model_snapshot(current, RECTIFICATION_AUDIT_FIELDS)
        Rectification.update(**changes).where(Rectification.id == row.id).execute()
        for key, value in changes.items():
            setattr(row, key, value)
            setattr(current, key, value)
        audit.record(
            action,
            "rectification",
            row.id,
            before=before,
            after=audit.model_snapshot(current, RECTIFICATION_AUDIT_FIELDS),
            actor=actor,
        )
