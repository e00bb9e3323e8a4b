"""Deadline reminders (截止提醒): once per (cycle, unit, deadline, date, threshold), only
the latest threshold crossed, a moved deadline reminding again, and two runs at the same
moment sending once. Run on SQLite and, by ``scripts/with-postgres.sh``, on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from assess.accounts.models import User
from assess.core.enums import NotificationKind, ReminderThreshold
from assess.core.formatting import local_today
from assess.cycles import deadlines
from assess.notifications import reminders
from assess.notifications.models import Notification
from assess.notifications.reminders import send_reminders, threshold_for
from assess.notifications.sent import ReminderSent
from tests.cycle_helpers import unit
from tests.notifications.helpers import (
    assessed_ids,
    audited,
    hand_in,
    open_cycle_due,
    reporter_of,
    texts_of,
    told,
    two_scans_at_once,
)

# Today is read where it is used, never once at import: a run that crosses midnight in
# China (16:00 UTC) would compare yesterday's date with the app's today.


@pytest.mark.pure
@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [
        (30, None),
        (8, None),
        (7, ReminderThreshold.DAYS_7),
        (4, ReminderThreshold.DAYS_7),
        (3, ReminderThreshold.DAYS_3),
        (2, ReminderThreshold.DAYS_3),
        (1, ReminderThreshold.DAYS_1),
        (0, ReminderThreshold.DAYS_1),  # today is the last day
        (-1, ReminderThreshold.PASSED),
        (-40, ReminderThreshold.PASSED),
    ],
)
def test_the_latest_threshold_crossed(days_left, threshold):
    assert threshold_for(days_left) == threshold


def _keys():
    return sorted(
        (r.unit_id, str(r.due), r.threshold)
        for r in ReminderSent.select().order_by(ReminderSent.id)
    )


def test_running_twice_sends_nothing_new(app, demo, db):
    cycle = open_cycle_due(local_today() + timedelta(days=2))
    units = assessed_ids(cycle)
    assert send_reminders() == len(units)
    notes = Notification.select().count()
    assert notes >= len(units)
    assert send_reminders() == 0
    assert Notification.select().count() == notes
    assert len(audited("reminder.send")) == len(units)
    # a unit first scanned two days before gets the 3-day reminder, not the 7-day one too
    assert {t for _u, _d, t in _keys()} == {ReminderThreshold.DAYS_3}
    (text,) = texts_of(reporter_of("410105"))
    assert text == (
        f"{cycle.title}：自评截止日期为 {(local_today() + timedelta(days=2)).isoformat()}，"
        "还有 2 天，尚有指标未提交"
    )


def test_each_threshold_once_as_the_days_pass(app, demo, db):
    due = local_today() + timedelta(days=9)
    cycle = open_cycle_due(due)
    jinshui = unit("410105").id
    sent = {}
    for day in range(0, 12):
        today = local_today() + timedelta(days=day)
        sent[(due - today).days] = send_reminders(today)
    mine = [t for u, _d, t in _keys() if u == jinshui]
    assert mine == sorted(["7", "3", "1", "passed"])
    # the days a threshold was first crossed sent; the others nothing
    assert [days for days, n in sorted(sent.items(), reverse=True) if n] == [7, 3, 1, -1]
    kinds = [n.kind for n in told(reporter_of("410105"))]
    assert kinds == [NotificationKind.DEADLINE_NEAR] * 3 + [NotificationKind.DEADLINE_PASSED]
    assert texts_of(reporter_of("410105"))[2] == (
        f"{cycle.title}：自评截止日期为 {due.isoformat()}，还有 1 天，尚有指标未提交"
    )


def test_a_unit_that_handed_in_is_not_reminded(app, demo, db):
    cycle = open_cycle_due(local_today() + timedelta(days=1))
    hand_in(cycle, "410105")
    assert send_reminders() == len(assessed_ids(cycle)) - 1
    assert told(reporter_of("410105")) == []
    assert told(reporter_of("410102"))


def test_no_reminder_without_a_deadline_or_outside_self_report(app, demo, db):
    open_cycle_due(None)
    from tests.cycle_helpers import make_cycle

    make_cycle("review", year=2027, self_report_due=local_today() - timedelta(days=1))
    assert send_reminders() == 0
    assert ReminderSent.select().count() == 0


def test_an_extension_moves_the_deadline_and_reminds_again(app, demo, db):
    admin = User.get(User.username == "admin")
    due = local_today() + timedelta(days=1)
    cycle = open_cycle_due(due)
    jinshui = unit("410105")
    assert send_reminders() > 0
    deadlines.grant_extension(cycle, jinshui, local_today() + timedelta(days=5), "系统故障", admin)
    # only the unit given the extension has a new deadline, so only it is reminded anew
    assert send_reminders() == 1
    later = [(str(d), t) for u, d, t in _keys() if u == jinshui.id]
    assert later == sorted(
        [(due.isoformat(), "1"), ((local_today() + timedelta(days=5)).isoformat(), "7")]
    )
    assert len(told(reporter_of("410105"))) == 2
    assert send_reminders() == 0


def test_two_runs_at_the_same_moment_send_once(app, demo, db, monkeypatch):
    """Two workers scan together (each consumer's scheduler enqueues the periodic task):
    both find nothing sent yet, and the first holds its transaction open after writing its
    first reminder while the second tries the same keys. The unique key sends each once."""
    cycle = open_cycle_due(local_today() + timedelta(days=3))
    units = assessed_ids(cycle)
    runs = two_scans_at_once(
        app, monkeypatch, reminders, "_sent_keys", send_reminders, local_today()
    )
    assert [r.error for r in runs] == [None, None]
    assert sum(r.value for r in runs) == len(units)
    assert ReminderSent.select().count() == len(units)
    assert len(told(reporter_of("410105"))) == 1
    assert len(audited("reminder.send")) == len(units)


def test_the_queue_runs_the_same_scan_on_a_schedule(app, demo, db):
    from assess.core.queue import huey
    from assess.notifications import tasks

    periodic = [t for t in huey._registry.periodic_tasks if t.name == "remind_periodically"]
    assert len(periodic) == 1
    assert periodic[0].validate_datetime(datetime(2026, 12, 2, 7, 20))
    assert not periodic[0].validate_datetime(datetime(2026, 12, 2, 7, 25))
    cycle = open_cycle_due(local_today())
    assert tasks.remind_periodically.call_local() == len(assessed_ids(cycle))
    assert tasks.remind_periodically.call_local() == 0
