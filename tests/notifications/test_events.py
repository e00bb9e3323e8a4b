"""Events that notify a unit's reporters, written in the event's own transaction: an item
returned (退回) and a rectification demanded (整改)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from assess.accounts.models import User
from assess.core.enums import NotificationKind
from assess.core.formatting import local_today
from assess.cycles import rectifications, submissions
from assess.cycles.models import Submission
from assess.notifications import store
from assess.notifications.models import Notification
from tests.cycle_helpers import make_cycle, unit
from tests.notifications.helpers import (
    audited,
    hand_in,
    reporter_of,
    second_reporter,
    texts_of,
    told,
)


def _handed_in_item(code: str = "410105"):
    cycle = make_cycle("open")
    hand_in(cycle, code)
    return cycle, Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit(code),
        Submission.indicator_code == "A2",
    )


def test_a_returned_item_notifies_its_units_reporters_and_nobody_else(app, demo, db):
    inspector = User.get(User.username == "inspector")
    cycle, sub = _handed_in_item()
    other = second_reporter("410105")
    assert submissions.return_item(sub, "台账不全", sub.version, inspector)

    for reporter in (reporter_of("410105"), other):
        (note,) = told(reporter)
        assert note.kind == NotificationKind.ITEM_RETURNED and note.read_at is None
        assert texts_of(reporter) == [
            f"{cycle.title}：指标 A2 协调会次数 被退回修改，退回原因：台账不全"
        ]
        endpoint, args = note.target_parts
        assert endpoint == "selfreport.unit_page"
        assert args == {"cycle_id": cycle.id, "unit_id": unit("410105").id, "_anchor": "item-A2"}
    # another county's reporter, the inspector and the office hear nothing of it
    for name in ("r-410102", "inspector", "admin"):
        assert told(User.get(User.username == name)) == []


def test_a_refused_return_notifies_nobody(app, demo, db):
    inspector = User.get(User.username == "inspector")
    _cycle, sub = _handed_in_item()
    with pytest.raises(submissions.SubmissionError):
        submissions.return_item(sub, "台账不全", sub.version - 1, inspector)
    assert Notification.select().count() == 0


def test_a_notification_that_cannot_be_written_rolls_the_return_back(app, demo, db, monkeypatch):
    """One transaction: the return is not acknowledged while its reporters go untold."""
    inspector = User.get(User.username == "inspector")
    _cycle, sub = _handed_in_item()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "notify", broken)
    with pytest.raises(RuntimeError):
        submissions.return_item(sub, "台账不全", sub.version, inspector)
    assert Submission.get_by_id(sub.id).status == "submitted"
    assert audited("submission.return") == []


def test_the_same_return_sent_twice_notifies_once(app, demo, db):
    inspector = User.get(User.username == "inspector")
    _cycle, sub = _handed_in_item()
    version = sub.version
    assert submissions.return_item(sub, "台账不全", version, inspector)
    assert not submissions.return_item(sub, "台账不全", version, inspector)  # a double click
    assert len(told(reporter_of("410105"))) == 1


def test_a_rectification_demand_notifies_the_unit(app, demo, db):
    inspector = User.get(User.username == "inspector")
    cycle = make_cycle("open")
    due = local_today() + timedelta(days=10)
    row = rectifications.demand(cycle, unit("410105"), "补充调查样本" * 50, due, inspector, "A1")
    (note,) = told(reporter_of("410105"), NotificationKind.RECTIFICATION_DEMANDED)
    params = json.loads(note.params)
    assert params["due"] == due.isoformat() and params["code"] == "A1"
    assert len(params["demand"]) == rectifications.NOTIFIED_DEMAND_CHARS
    assert note.target_parts[1]["_anchor"] == f"rect-{row.id}"
    assert told(reporter_of("410102")) == []
    assert texts_of(reporter_of("410105"))[0].startswith(f"{cycle.title}：收到整改要求（A1）")


def test_a_refused_demand_notifies_nobody(app, demo, db):
    cycle = make_cycle("open")
    reporter = reporter_of("410105")  # 回避: a unit's own staff cannot demand of it
    jinshui = unit("410105")
    with pytest.raises(rectifications.RectificationError):
        rectifications.demand(cycle, jinshui, "x", local_today() + timedelta(days=1), reporter)
    assert Notification.select().count() == 0
