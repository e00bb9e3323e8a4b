"""The other events that notify, each in its own transaction: a rectification closed or
overdue (to the unit), a cycle opened, published or republished (to the reporters of its
units), (review sheets assigned and report batches: their own modules)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assess.accounts.models import User
from assess.core.audit import SYSTEM_ACTOR
from assess.core.enums import CycleState, NotificationKind, Role
from assess.core.formatting import local_today
from assess.cycles import lifecycle, publishing, rectifications
from assess.cycles.models import Cycle, Rectification
from assess.notifications import overdue
from assess.notifications.models import Notification
from assess.notifications.sent import RectificationOverdueSent
from tests.cycle_helpers import make_cycle, unit
from tests.notifications.helpers import (
    assessed_ids,
    audited,
    hand_in,
    reporter_of,
    second_reporter,
    texts_of,
    told,
    two_scans_at_once,
)


def _user(name: str) -> User:
    return User.get(User.username == name)


def _demand(cycle, code="410105", due=None, indicator="A2") -> Rectification:
    return rectifications.demand(
        cycle, unit(code), "补齐协调会台账", due or local_today(), _user("inspector"), indicator
    )


# --- rectification closed -----------------------------------------------------------------


def test_closing_a_rectification_tells_its_unit(app, demo, db):
    cycle = make_cycle("open")
    row = _demand(cycle)
    rectifications.respond(row, "已补齐", reporter_of("410105"))
    rectifications.close(Rectification.get_by_id(row.id), "核查属实", _user("inspector"))

    for reporter in (reporter_of("410105"),):
        (note,) = told(reporter, NotificationKind.RECTIFICATION_CLOSED)
        assert note.target_parts == (
            "selfreport.unit_page",
            {"cycle_id": cycle.id, "unit_id": unit("410105").id, "_anchor": f"rect-{row.id}"},
        )
    assert texts_of(reporter_of("410105"))[-1] == (
        f"{cycle.title}：整改要求（A2）已核查关闭：补齐协调会台账"
    )
    assert told(reporter_of("410102")) == []


def test_a_refused_close_tells_nobody(app, demo, db):
    cycle = make_cycle("open")
    row = _demand(cycle)
    rectifications.close(row, "", _user("inspector"))
    with pytest.raises(rectifications.RectificationError):
        rectifications.close(Rectification.get_by_id(row.id), "", _user("inspector"))
    assert len(told(reporter_of("410105"), NotificationKind.RECTIFICATION_CLOSED)) == 1


def test_a_close_whose_notification_fails_is_rolled_back(app, demo, db, monkeypatch):
    from assess.notifications import store

    cycle = make_cycle("open")
    row = _demand(cycle)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "notify", broken)
    with pytest.raises(RuntimeError):
        rectifications.close(row, "", _user("inspector"))
    assert Rectification.get_by_id(row.id).status == "open"
    assert audited("rectification.close") == []


# --- rectification overdue ----------------------------------------------------------------


def test_an_overdue_rectification_is_reminded_once(app, demo, db):
    cycle = make_cycle("open")
    late = _demand(cycle, due=local_today())
    _demand(cycle, "410102", due=local_today() + timedelta(days=5))  # not yet due
    answered = _demand(cycle, "410103", due=local_today())
    rectifications.respond(answered, "已整改", reporter_of("410103"))
    tomorrow = local_today() + timedelta(days=1)

    assert overdue.send_overdue_reminders(local_today()) == 0  # the due day itself is not late
    assert overdue.send_overdue_reminders(tomorrow) == 1
    assert overdue.send_overdue_reminders(tomorrow) == 0
    assert overdue.send_overdue_reminders(tomorrow + timedelta(days=3)) == 0

    (note,) = told(reporter_of("410105"), NotificationKind.RECTIFICATION_OVERDUE)
    assert texts_of(reporter_of("410105"))[-1] == (
        f"{cycle.title}：整改要求（A2）已过整改期限 {late.due_date.isoformat()}，"
        "尚未报送整改情况：补齐协调会台账"
    )
    assert told(reporter_of("410102"), NotificationKind.RECTIFICATION_OVERDUE) == []
    assert told(reporter_of("410103"), NotificationKind.RECTIFICATION_OVERDUE) == []
    (entry,) = audited("rectification.overdue_reminder")
    assert entry.actor_name == SYSTEM_ACTOR  # no person sent it
    assert RectificationOverdueSent.select().count() == 1


def test_an_overdue_reminder_already_sent_by_another_worker_sends_nothing(app, demo, db):
    """The unique key decides: a scan that read the demand before another worker sent its
    reminder writes nothing (no second notification, no second audit entry)."""
    cycle = make_cycle("open")
    row = _demand(cycle)
    tomorrow = local_today() + timedelta(days=1)
    (seen,) = overdue.overdue_demands(tomorrow)
    assert overdue.send_overdue_reminder(seen, tomorrow)
    assert not overdue.send_overdue_reminder(seen, tomorrow)
    assert len(told(reporter_of("410105"), NotificationKind.RECTIFICATION_OVERDUE)) == 1
    assert len(audited("rectification.overdue_reminder")) == 1
    assert row.id == seen.id


def test_two_overdue_scans_at_the_same_moment_send_once(app, demo, db, monkeypatch):
    """Two workers scan together: both list the same overdue demands, and the first holds
    its transaction open after writing its first reminder while the second tries the same
    ones. The unique key sends each once."""
    cycle = make_cycle("open")
    for code in ("410105", "410102"):
        _demand(cycle, code)
    tomorrow = local_today() + timedelta(days=1)
    runs = two_scans_at_once(
        app, monkeypatch, overdue, "overdue_demands", overdue.send_overdue_reminders, tomorrow
    )
    assert [r.error for r in runs] == [None, None]
    assert sum(r.value for r in runs) == 2
    assert RectificationOverdueSent.select().count() == 2
    assert len(told(reporter_of("410105"), NotificationKind.RECTIFICATION_OVERDUE)) == 1
    assert len(audited("rectification.overdue_reminder")) == 2


def test_no_overdue_reminder_once_the_cycle_is_published(app, demo, db):
    cycle = make_cycle("review")
    _demand(cycle)
    publishing.publish(cycle, _user("admin"))
    assert overdue.send_overdue_reminders(local_today() + timedelta(days=1)) == 0


# --- cycle opened, published, republished -------------------------------------------------


def test_opening_a_cycle_tells_the_reporters_of_its_units(app, demo, db):
    due = local_today() + timedelta(days=20)
    cycle = make_cycle("draft", self_report_due=due)
    other = second_reporter("410105")
    inactive = second_reporter("410102")
    User.update(active=False).where(User.id == inactive.id).execute()
    assert Notification.select().count() == 0  # a draft tells nobody

    lifecycle.transition(cycle, CycleState.OPEN, _user("admin"))

    units = assessed_ids(cycle)
    expected = User.select().where(
        User.unit.in_(units),
        User.role == Role.REPORTER,
        User.active == True,  # noqa: E712
    )
    assert Notification.select().count() == expected.count() > len(units) - 1
    for reporter in (reporter_of("410105"), other):
        (note,) = told(reporter, NotificationKind.CYCLE_OPENED)
        assert note.target_parts == (
            "selfreport.unit_page",
            {"cycle_id": cycle.id, "unit_id": unit("410105").id},
        )
    assert texts_of(other) == [f"{cycle.title} 已开始自评填报，自评截止日期 {due.isoformat()}"]
    assert told(inactive) == []
    for name in ("admin", "inspector", "viewer"):
        assert told(_user(name)) == []


def test_reopening_a_cycle_says_why(app, demo, db):
    cycle = make_cycle("review")
    Notification.delete().execute()
    lifecycle.transition(cycle, CycleState.OPEN, _user("admin"), reason="补报佐证材料")
    assert texts_of(reporter_of("410105")) == [
        f"{cycle.title} 已重新开放自评填报，原因：补报佐证材料"
    ]


def test_publishing_tells_each_unit_with_a_link_to_its_result(app, demo, db):
    cycle = make_cycle("open")
    hand_in(cycle, "410105")
    lifecycle.transition(cycle, CycleState.REVIEW, _user("admin"))
    Notification.delete().execute()

    publishing.publish(cycle, _user("admin"))
    (note,) = told(reporter_of("410105"))
    assert note.kind == NotificationKind.CYCLE_PUBLISHED
    assert note.target_parts == (
        "cycles.unit_result",
        {"cycle_id": cycle.id, "unit_id": unit("410105").id},
    )
    assert texts_of(reporter_of("410105")) == [f"{cycle.title} 考核结果已公布"]
    assert len(told(reporter_of("dept-gaj"))) == 1

    publishing.publish(Cycle.get_by_id(cycle.id), _user("admin"), reason="申诉复核")
    assert (
        texts_of(reporter_of("410105"))[-1] == f"{cycle.title} 考核结果已重新公布，原因：申诉复核"
    )
    assert told(_user("viewer")) == []


def test_a_refused_publication_tells_nobody(app, demo, db):
    cycle = make_cycle("open")
    Notification.delete().execute()
    with pytest.raises(lifecycle.CycleError):
        publishing.publish(cycle, _user("admin"))
    assert Notification.select().count() == 0
