"""Deadline reminders (截止提醒): ``assess remind`` and the queue's periodic task.

Each open cycle's 自评截止 is read per unit (its extension 延期 counts as its deadline);
a unit that still owes scored items is reminded 7, 3 and 1 days before, and once after the
day has passed. Only the latest threshold reached is sent: a unit first scanned two days
before gets the 3-day reminder, not the 7-day one as well. Each reminder is sent once per
(cycle, unit, deadline, date, threshold): the ``reminder_sent`` row with that unique key is
written in the same transaction as the notifications and the audit entry, so a second run,
or a second worker scanning at the same moment, sends nothing new; a moved deadline has
another date and reminds again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import peewee as pw

from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import CycleState, NotificationKind, ReminderThreshold
from assess.core.formatting import local_today
from assess.cycles.models import Cycle
from assess.cycles.pages import unit_progress
from assess.notifications import store
from assess.notifications.sent import ReminderSent
from assess.units.models import Unit

SELF_REPORT = "self_report"  # the deadline reminded: 自评截止 (核查截止 binds no unit)
# Thresholds before the day, nearest first: the first one reached is the latest crossed.
DAYS_BEFORE = (
    (ReminderThreshold.DAYS_1, 1),
    (ReminderThreshold.DAYS_3, 3),
    (ReminderThreshold.DAYS_7, 7),
)


def threshold_for(days_left: int) -> ReminderThreshold | None:
    """The latest threshold crossed with ``days_left`` days to the deadline (0: today is the
    last day, negative: passed); None while more than 7 days remain."""
    if days_left < 0:
        return ReminderThreshold.PASSED
    for threshold, days in DAYS_BEFORE:
        if days_left <= days:
            return threshold
    return None


@dataclass(frozen=True)
class Reminder:
    """One reminder due: the unit, its deadline's day and the threshold reached."""

    cycle_id: int
    unit_id: int
    due: date
    threshold: ReminderThreshold
    days_left: int


def due_reminders(today: date) -> Iterator[Reminder]:
    """Every reminder the open cycles call for today, whether or not already sent."""
    cycles = Cycle.select().where(
        Cycle.state == CycleState.OPEN, Cycle.self_report_due.is_null(False)
    )
    for cycle in cycles.order_by(Cycle.id):
        for unit_id, progress in sorted(unit_progress(cycle).items()):
            if not progress.outstanding:
                continue
            due = cycle.self_report_due_for(unit_id)
            days_left = (due - today).days
            threshold = threshold_for(days_left)
            if threshold is not None:
                yield Reminder(cycle.id, unit_id, due, threshold, days_left)


def _sent_keys() -> set[tuple]:
    """The keys already sent for the open cycles (one query): a run skips them without
    taking the write lock. Only a hint: the unique index decides."""
    rows = (
        ReminderSent.select(
            ReminderSent.cycle, ReminderSent.unit, ReminderSent.due, ReminderSent.threshold
        )
        .join(Cycle)
        .where(Cycle.state == CycleState.OPEN, ReminderSent.deadline == SELF_REPORT)
        .tuples()
    )
    return {(c, u, str(d)[:10], t) for c, u, d, t in rows}


def send_reminder(reminder: Reminder) -> bool:
    """Send one reminder to the unit's reporters: the key row, the notifications and the
    audit entry in one transaction. False when it was sent already (by this run's
    predecessor or a worker beside it) or no longer applies (the cycle closed, the
    deadline moved, the unit handed in meanwhile): then nothing is written."""
    try:
        with database.atomic():
            cycle = locked(Cycle, reminder.cycle_id, share=True)
            if cycle.state != CycleState.OPEN:
                return False
            if cycle.self_report_due_for(reminder.unit_id) != reminder.due:
                return False
            progress = unit_progress(cycle, [reminder.unit_id]).get(reminder.unit_id)
            if progress is None or not progress.outstanding:
                return False
            row = ReminderSent.create(
                cycle=cycle.id,
                unit=reminder.unit_id,
                deadline=SELF_REPORT,
                due=reminder.due,
                threshold=reminder.threshold,
            )
            passed = reminder.threshold == ReminderThreshold.PASSED
            told = store.notify_unit(
                reminder.unit_id,
                NotificationKind.DEADLINE_PASSED if passed else NotificationKind.DEADLINE_NEAR,
                {"cycle": cycle.title, "due": reminder.due.isoformat(), "days": reminder.days_left},
                store.target("selfreport.unit_page", cycle_id=cycle.id, unit_id=reminder.unit_id),
            )
            audit.record(
                "reminder.send",
                "cycle",
                cycle.id,
                after={
                    "unit": Unit.get_by_id(reminder.unit_id).name,
                    "deadline": SELF_REPORT,
                    "due": reminder.due.isoformat(),
                    "threshold": reminder.threshold.value,
                    "recipients": told,
                    "reminder": row.id,
                },
                actor=None,  # recorded as the system: no person sent it
            )
    except pw.IntegrityError:
        return False  # the unique key: another run sent this one first
    return True


def send_reminders(today: date | None = None) -> int:
    """Send every reminder due on ``today`` (default: the office's today) not yet sent;
    return how many were sent. Safe to run at any time, any number of times, on any
    number of workers at once."""
    today = today or local_today()
    sent = _sent_keys()
    count = 0
    for reminder in due_reminders(today):
        key = (reminder.cycle_id, reminder.unit_id, reminder.due.isoformat(), reminder.threshold)
        if key in sent:
            continue
        if send_reminder(reminder):
            count += 1
    return count
