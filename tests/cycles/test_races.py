"""Two conflicting actions at once: exactly one wins and the other is refused with a message.

Each test makes the window wide on purpose, with no timing luck: the first action is held at
a point where the old code had already checked the state (before its transaction), and the
second runs to its end on its own connection meanwhile (a thread), or is left waiting on
the first's lock. Run on SQLite and, by ``scripts/with-postgres.sh``, on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest

from assess.accounts.models import User
from assess.core.db import database
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.lifecycle import CycleError
from assess.cycles.models import Cycle, ResultSnapshot, Submission
from tests.cycle_helpers import hold_first_of_two_saves, make_cycle, unit

SIDE_WAIT_SECONDS = 0.5  # how long the held action lets the other one try


class Side:
    """One action run in a thread on its own connection; ``value`` or ``error`` after."""

    def __init__(self, app, fn, *args):
        self.value = self.error = None

        def run():
            with app.app_context():
                database.connect(reuse_if_open=True)
                try:
                    self.value = fn(*args)
                except Exception as exc:  # the test reads which one it was
                    self.error = exc
                finally:
                    database.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, timeout: float | None = 20) -> Side:
        self.thread.join(timeout)
        return self


def _people():
    return (
        User.get(User.username == "admin"),
        User.get(User.username == "r-410105"),
        User.get(User.username == "inspector"),
    )


def test_two_tabs_saving_a_never_saved_item_second_gets_the_conflict(as_user, db):
    """Through the page: both tabs were built with nothing saved (version 0)."""
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    url = f"/cycles/{cycle.id}/units/{jinshui.id}/items/A2"
    first = reporter.post(url, data={"value": "4", "version": 0}, follow_redirects=True)
    assert "A2 已保存" in first.text
    second = reporter.post(url, data={"value": "7", "version": 0}, follow_redirects=True)
    assert "A2 未保存" in second.text and "已被" in second.text
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    assert (sub.value_text, sub.version) == ("4", 1)


def test_two_first_saves_at_once_one_wins_the_other_conflicts(app, demo, db, monkeypatch):
    """At the same moment, on two connections: the first holds its transaction open after
    its insert; the second must wait and then see it (on PostgreSQL it used to insert too
    and die of the unique index: a 500)."""
    _admin, reporter, _inspector = _people()
    cycle, jinshui = make_cycle("open"), unit("410105")
    hold_first_of_two_saves(monkeypatch, SIDE_WAIT_SECONDS)
    tabs = [
        Side(app, submissions.save_value, cycle, jinshui, "A2", v, "", 0, reporter)
        for v in ("4", "7")
    ]
    for tab in tabs:
        tab.join()
    errors = [t.error for t in tabs if t.error is not None]
    assert len(errors) == 1, errors
    assert isinstance(errors[0], submissions.ConflictError), repr(errors[0])
    (winner,) = [t for t in tabs if t.error is None]
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    assert (sub.value_text, sub.version) == (winner.value[0].value_text, 1)


def test_a_save_begun_before_the_close_is_refused_after_it(app, demo, db, monkeypatch):
    """The unit's save has passed its checks when the office closes self-reporting; the
    save must not be acknowledged (it would be counted in a cycle already in review)."""
    admin, reporter, _inspector = _people()
    cycle, jinshui = make_cycle("open"), unit("410105")
    submissions.save_value(cycle, jinshui, "A2", "4", "", 0, reporter)
    closes = []

    def close_meanwhile(*args):
        closes.append(Side(app, lifecycle.transition, cycle, "review", admin).join())
        return None

    monkeypatch.setattr(submissions, "rate_jump_warning", close_meanwhile)
    with pytest.raises(submissions.SubmissionError, match="不在自评填报阶段"):
        submissions.save_value(cycle, jinshui, "A2", "9", "", 1, reporter)
    assert closes[0].error is None
    assert Cycle.get_by_id(cycle.id).state == "review"
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    assert (sub.value_text, sub.version) == ("4", 1)


def test_a_review_begun_before_publishing_does_not_change_published_results(
    app, demo, db, monkeypatch
):
    admin, reporter, inspector = _people()
    cycle, jinshui = make_cycle("open"), unit("410105")
    for code, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
        submissions.save_value(cycle, jinshui, code, value, "", 0, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    lifecycle.transition(cycle, "review", admin)
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    published = []
    original_normalise = submissions.normalise_value

    def publish_meanwhile(*args):
        published.append(Side(app, publishing.publish, Cycle.get_by_id(cycle.id), admin).join())
        return original_normalise(*args)

    monkeypatch.setattr(submissions, "normalise_value", publish_meanwhile)
    with pytest.raises(submissions.SubmissionError, match="不在核查阶段"):
        submissions.verify_item(sub, sub.version, inspector, "5", "核实为 5")
    assert published[0].error is None
    after = Submission.get_by_id(sub.id)
    assert (after.status, after.verified_value_text) == ("submitted", "")


def test_publishing_and_reopening_at_once_exactly_one_wins(app, demo, db, monkeypatch):
    """One admin publishes while another reopens self-reporting: never both acknowledged,
    never an open cycle with a current snapshot."""
    admin, _reporter, _inspector = _people()
    cycle = make_cycle("review")
    reopen = []
    original_compute = publishing.compute_results

    def reopen_meanwhile(c):
        # The other admin tries while this one scores; under the lock it waits, so only
        # let it try for a while, and let it finish after this transaction.
        reopen.append(
            Side(app, lifecycle.transition, cycle, "open", admin, "补报").join(SIDE_WAIT_SECONDS)
        )
        return original_compute(c)

    monkeypatch.setattr(publishing, "compute_results", reopen_meanwhile)
    outcomes = []
    try:
        publishing.publish(Cycle.get_by_id(cycle.id), admin)
        outcomes.append("published")
    except CycleError as exc:
        outcomes.append(str(exc))
    reopen[0].join()
    outcomes.append("reopened" if reopen[0].error is None else str(reopen[0].error))
    acknowledged = [o for o in outcomes if o in ("published", "reopened")]
    assert len(acknowledged) == 1, outcomes
    refused = [o for o in outcomes if o not in acknowledged]
    assert refused and ("不能从" in refused[0] or "只有" in refused[0]), outcomes
    state = Cycle.get_by_id(cycle.id).state
    current = publishing.current_snapshot(Cycle.get_by_id(cycle.id))
    if acknowledged == ["published"]:
        assert state == "published" and current is not None
    else:
        assert state == "open" and current is None
        assert ResultSnapshot.select().where(ResultSnapshot.cycle == cycle).count() == 0
