"""Overdue rectification reminders (整改逾期提醒): part of ``assess remind`` and of the
queue's periodic scan.

A demand still unanswered (status open) the day after its due date, in a cycle that still
takes rectification answers, is reminded to its unit's reporters once: the
``rectification_overdue_sent`` row with the demand and its due date is unique and written in
the same transaction as the notifications and the audit entry, so a second run, or a
second worker scanning at the same moment, sends nothing new (the pattern of the deadline
reminders, ``assess.notifications.reminders``).
"""

from __future__ import annotations

from datetime import date

import peewee as pw

from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import RECTIFIABLE_CYCLE_STATES, NotificationKind, RectificationState
from assess.core.formatting import local_today
from assess.cycles.models import Cycle, Rectification
from assess.cycles.rectifications import demand_link, notified_params
from assess.notifications import store
from assess.notifications.sent import RectificationOverdueSent


def overdue_demands(today: date) -> list[Rectification]:
    """Every demand unanswered past its due date in a cycle that takes answers, not yet
    reminded for that date (one query; only a hint: the unique index decides)."""
    reminded = RectificationOverdueSent.select(RectificationOverdueSent.id).where(
        RectificationOverdueSent.rectification == Rectification.id,
        RectificationOverdueSent.due == Rectification.due_date,
    )
    return list(
        Rectification.select()
        .join(Cycle)
        .where(
            Cycle.state.in_(RECTIFIABLE_CYCLE_STATES),
            Rectification.status == RectificationState.OPEN,
            Rectification.due_date < today,
            ~pw.fn.EXISTS(reminded),
        )
        .order_by(Rectification.id)
    )


def send_overdue_reminder(row: Rectification, today: date) -> bool:
    """Remind the unit of one overdue demand: the key row, the notifications and the audit
    entry in one transaction. False when it was reminded already or no longer applies (the
    unit answered, the demand was closed, the cycle moved on): then nothing is written."""
    try:
        with database.atomic():
            cycle = locked(Cycle, row.cycle_id, share=True)
            current = locked(Rectification, row.id)
            if (
                cycle.state not in RECTIFIABLE_CYCLE_STATES
                or current.status != RectificationState.OPEN
                or not current.due_date < today
            ):
                return False
            key = RectificationOverdueSent.create(rectification=current.id, due=current.due_date)
            told = store.notify_unit(
                current.unit_id,
                NotificationKind.RECTIFICATION_OVERDUE,
                notified_params(current),
                demand_link(current),
            )
            audit.record(
                "rectification.overdue_reminder",
                "rectification",
                current.id,
                after={
                    "unit": current.unit.name,
                    "due": current.due_date.isoformat(),
                    "recipients": told,
                    "reminder": key.id,
                },
                actor=None,  # recorded as the system: no person sent it
            )
    except pw.IntegrityError:
        return False  # the unique key: another run sent this one first
    return True


def send_overdue_reminders(today: date | None = None) -> int:
    """Remind every overdue demand not yet reminded; return how many were sent. Safe to
    run at any time, any number of times, on any number of workers at once."""
    today = today or local_today()
    return sum(1 for row in overdue_demands(today) if send_overdue_reminder(row, today))
