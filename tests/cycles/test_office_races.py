"""The office's writes against the units' and inspectors' at the same moment: a deadline
moved while a save is under way, an item verified while the confirmed publication runs.
Run on SQLite and, by ``scripts/with-postgres.sh``, on PostgreSQL (see test_races)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assess.core.formatting import local_today
from assess.cycles import deadlines, publish_checks, submissions
from assess.cycles.models import Cycle, ResultSnapshot, Submission
from tests.cycle_helpers import make_cycle, unit
from tests.cycles.test_races import SIDE_WAIT_SECONDS, Side, _people


def test_a_save_begun_before_the_deadline_moved_is_refused_after_it(app, demo, db, monkeypatch):
    """The unit's save has passed its checks when the office ends the self-report early:
    the deadline is read again inside the save's transaction, so it is refused."""
    admin, reporter, _inspector = _people()
    cycle, jinshui = make_cycle("open"), unit("410105")
    submissions.save_value(cycle, jinshui, "A2", "4", "", 0, reporter)
    moved = []

    def close_meanwhile(*args):
        yesterday = local_today() - timedelta(days=1)
        moved.append(
            Side(app, deadlines.set_deadlines, cycle, yesterday, None, "提前截止", admin).join()
        )
        return None

    monkeypatch.setattr(submissions, "rate_jump_warning", close_meanwhile)
    with pytest.raises(submissions.SubmissionError, match="自评填报已于"):
        submissions.save_value(cycle, jinshui, "A2", "9", "", 1, reporter)
    assert moved[0].error is None
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    assert (sub.value_text, sub.version) == ("4", 1)


def test_an_item_verified_while_the_confirmed_publication_runs_waits_and_is_refused(
    app, demo, db, monkeypatch
):
    """The checks are done again on the locked cycle row: an inspector's verification
    cannot land between them and the snapshot, so what was confirmed is what is published."""
    admin, reporter, inspector = _people()
    cycle, jinshui = make_cycle("open"), unit("410105")
    for code, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
        submissions.save_value(cycle, jinshui, code, value, "", 0, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    Cycle.update(state="review").where(Cycle.id == cycle.id).execute()
    cycle = Cycle.get_by_id(cycle.id)
    checks = publish_checks.prepublish_checks(cycle)
    confirmed = {c.key: c.token for c in checks if c.rows}
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    verifying = []
    original_publish = publish_checks.publish

    def verify_meanwhile(*args, **kwargs):
        verifying.append(
            Side(app, submissions.verify_item, sub, sub.version, inspector).join(SIDE_WAIT_SECONDS)
        )
        return original_publish(*args, **kwargs)

    monkeypatch.setattr(publish_checks, "publish", verify_meanwhile)
    publish_checks.publish_confirmed(cycle, admin, confirmed, "其余单位未参加")
    verifying[0].join()
    assert isinstance(verifying[0].error, submissions.SubmissionError), verifying[0].error
    assert "不在核查阶段" in str(verifying[0].error)
    assert Submission.get_by_id(sub.id).status == "submitted"
    snapshot = ResultSnapshot.get(ResultSnapshot.cycle == cycle)
    assert snapshot.unreported_reason == "其余单位未参加"
