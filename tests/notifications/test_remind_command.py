"""``assess remind``: the deadline reminders from the command line (cron, or by hand)."""

from __future__ import annotations

from datetime import timedelta

from assess.core.formatting import local_today
from assess.notifications.sent import ReminderSent
from tests.helpers import command
from tests.notifications.helpers import assessed_ids, open_cycle_due, reporter_of, told


def test_remind_sends_once_and_says_how_many(app, demo, db, monkeypatch):
    cycle = open_cycle_due(local_today() + timedelta(days=6))
    units = len(assessed_ids(cycle))
    first = command(monkeypatch, app, "remind")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"已发送截止提醒 {units} 条"
    again = command(monkeypatch, app, "remind")
    assert again.output.strip() == "已发送截止提醒 0 条"
    assert ReminderSent.select().count() == units
    assert len(told(reporter_of("410105"))) == 1


def test_remind_on_a_given_day(app, demo, db, monkeypatch):
    due = local_today() + timedelta(days=30)
    open_cycle_due(due)
    assert command(monkeypatch, app, "remind").output.strip() == "已发送截止提醒 0 条"
    day = (due + timedelta(days=1)).isoformat()
    done = command(monkeypatch, app, "remind", "--today", day)
    assert done.exit_code == 0, done.output
    assert {r.threshold for r in ReminderSent.select()} == {"passed"}
