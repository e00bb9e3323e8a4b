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
    assert first.output.splitlines() == [f"已发送截止提醒 {units} 条", "已发送整改逾期提醒 0 条"]
    again = command(monkeypatch, app, "remind")
    assert again.output.splitlines()[0] == "已发送截止提醒 0 条"
    assert ReminderSent.select().count() == units
    assert len(told(reporter_of("410105"))) == 1


def test_remind_on_a_given_day(app, demo, db, monkeypatch):
    due = local_today() + timedelta(days=30)
    open_cycle_due(due)
    assert command(monkeypatch, app, "remind").output.splitlines()[0] == "已发送截止提醒 0 条"
    day = (due + timedelta(days=1)).isoformat()
    done = command(monkeypatch, app, "remind", "--today", day)
    assert done.exit_code == 0, done.output
    assert {r.threshold for r in ReminderSent.select()} == {"passed"}


def test_remind_sends_an_overdue_rectification_once(app, demo, db, monkeypatch):
    from assess.accounts.models import User
    from assess.cycles import rectifications
    from tests.cycle_helpers import make_cycle, unit

    cycle = make_cycle("open")
    inspector = User.get(User.username == "inspector")
    rectifications.demand(cycle, unit("410105"), "补齐台账", local_today(), inspector, "A2")
    day = (local_today() + timedelta(days=1)).isoformat()
    first = command(monkeypatch, app, "remind", "--today", day)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[1] == "已发送整改逾期提醒 1 条"
    again = command(monkeypatch, app, "remind", "--today", day)
    assert again.output.splitlines()[1] == "已发送整改逾期提醒 0 条"
    assert len(told(reporter_of("410105"), "rectification_overdue")) == 1
