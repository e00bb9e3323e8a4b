"""Appeals (复核申诉): the window, who may file and answer, one open appeal per indicator
(a race included), an upheld answer through the audited review path and a republication
(申诉复核) that keeps the earlier snapshot, a rejected one, and who is told. Run on SQLite
and, by ``scripts/with-postgres.sh``, on PostgreSQL."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import peewee as pw
import pytest
from werkzeug.datastructures import FileStorage

from assess.accounts import users
from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import AppealState, NotificationKind, Role
from assess.core.formatting import local_today
from assess.core.policy import can
from assess.cycles import appeals, lifecycle, publishing, submissions
from assess.cycles.appeals import AppealError
from assess.cycles.models import Appeal, Cycle, ResultSnapshot, Submission, UnitResultRecord
from assess.cycles.submissions import SelfReport
from assess.demo.units import DEMO_PASSWORD
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from tests.cycle_helpers import make_cycle, pdf_bytes, unit
from tests.cycles.test_races import SIDE_WAIT_SECONDS, Side
from tests.notifications.helpers import audited, hand_in, reporter_of, texts_of, told

JINSHUI = "410105"


def _people():
    return (
        User.get(User.username == "admin"),
        reporter_of(JINSHUI),
        User.get(User.username == "inspector"),
    )


def published_cycle(**kwargs) -> Cycle:
    """A cycle in which 金水区 handed in, was verified as reported, and which is published."""
    admin, _reporter, inspector = _people()
    cycle = make_cycle("open", **kwargs)
    hand_in(cycle, JINSHUI)
    lifecycle.transition(cycle, "review", admin)
    for sub in Submission.select().where(Submission.cycle == cycle):
        submissions.verify_item(sub, sub.version, inspector)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def _item(cycle: Cycle, code: str = "A2") -> Submission:
    return Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit(JINSHUI),
        Submission.indicator_code == code,
    )


def _file(cycle: Cycle, codes=("A2",), reason: str = "协调会有 6 次，纪要漏传") -> list[Appeal]:
    return appeals.file_appeals(
        Cycle.get_by_id(cycle.id), unit(JINSHUI), list(codes), reason, [], reporter_of(JINSHUI)
    )


def _score(snapshot: ResultSnapshot, code: str) -> str:
    record = UnitResultRecord.get(
        UnitResultRecord.snapshot == snapshot, UnitResultRecord.unit == unit(JINSHUI)
    )
    return json.loads(record.scores)[code]["score"]


def test_the_first_publication_opens_a_seven_day_window_republishing_keeps_it(app, demo, db):
    cycle = published_cycle()
    today = local_today()
    assert cycle.appeal_due == today + timedelta(days=publishing.APPEAL_WINDOW_DAYS)
    assert appeals.days_left(cycle) == 7
    admin = User.get(User.username == "admin")
    appeals.set_appeal_due(cycle, today + timedelta(days=2), "延长不合理，缩短", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin, reason="更正")
    assert Cycle.get_by_id(cycle.id).appeal_due == today + timedelta(days=2)
    (entry,) = audited("cycle.appeal_due")
    assert entry.actor_id == admin.id


def test_a_deadline_set_before_publishing_is_kept(app, demo, db):
    admin, _reporter, _inspector = _people()
    cycle = make_cycle("review")
    due = local_today() + timedelta(days=20)
    appeals.set_appeal_due(cycle, due, "按文件规定 20 天", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    assert Cycle.get_by_id(cycle.id).appeal_due == due


def test_the_appeal_deadline_needs_a_reason_and_a_live_cycle(app, demo, db):
    admin, _reporter, _inspector = _people()
    cycle = published_cycle()
    with pytest.raises(lifecycle.CycleError, match="请填写原因"):
        appeals.set_appeal_due(cycle, local_today(), " ", admin)
    lifecycle.transition(cycle, "archived", admin)
    with pytest.raises(lifecycle.CycleError, match="申诉截止日期"):
        appeals.set_appeal_due(Cycle.get_by_id(cycle.id), local_today(), "晚了", admin)


def test_a_reporter_files_on_its_own_published_scores_and_staff_are_told(app, demo, db):
    admin, reporter, inspector = _people()
    cycle = published_cycle()
    jinshui = unit(JINSHUI)
    assert can(reporter, "appeals.file", SelfReport(cycle, jinshui))
    other = User.get(User.username == "r-410102")
    assert not can(other, "appeals.file", SelfReport(cycle, jinshui))
    assert not can(inspector, "appeals.file", SelfReport(cycle, jinshui))
    # 回避: an inspector working for 金水区 is not told and may not answer
    own = users.create_user("insp-jinshui", DEMO_PASSWORD, Role.INSPECTOR, jinshui)

    rows = _file(cycle, ("A2", "B1"))
    assert [r.indicator_code for r in rows] == ["A2", "B1"]
    assert all(r.state == AppealState.OPEN and r.open_slot == 1 for r in rows)
    assert rows[0].snapshot_version == 1
    assert len(audited("appeal.file")) == 2
    for person in (admin, inspector):
        (note,) = told(person, NotificationKind.APPEAL_FILED)
        assert note.target_parts == ("appeals.cycle_appeals", {"cycle_id": cycle.id})
    assert texts_of(inspector) == [
        f"{cycle.title}：金水区 对指标 A2、B1 提出复核申诉，请答复：协调会有 6 次，纪要漏传"
    ]
    assert told(own) == [] and told(reporter, NotificationKind.APPEAL_FILED) == []
    assert can(inspector, "appeals.answer", rows[0])
    assert not can(own, "appeals.answer", rows[0])
    with pytest.raises(AppealError, match="回避|本单位|上下级"):
        appeals.answer(rows[0], False, "不成立", own)


def test_evidence_goes_with_the_appeal(app, demo, db):
    cycle = published_cycle()
    upload = FileStorage(io.BytesIO(pdf_bytes()), filename="会议纪要.pdf")
    with app.app_context():
        stored = attachments.store_uploads([upload], EvidenceStore.from_config(app.config))
    (row,) = appeals.file_appeals(
        cycle, unit(JINSHUI), ["A2"], "纪要漏传", stored, reporter_of(JINSHUI)
    )
    (evidence,) = appeals.evidence_of([row])[row.id]
    assert evidence.original_name == "会议纪要.pdf" and evidence.unit_id == unit(JINSHUI).id
    assert can(reporter_of(JINSHUI), "evidence.read", evidence)
    assert not can(User.get(User.username == "r-410102"), "evidence.read", evidence)
    assert Evidence.select().where(Evidence.appeal == row.id).count() == 1


def test_no_appeal_after_the_window_and_nothing_changes(app, demo, db):
    admin, reporter, _inspector = _people()
    cycle = published_cycle()
    appeals.set_appeal_due(cycle, local_today() - timedelta(days=1), "期限已过", admin)
    cycle = Cycle.get_by_id(cycle.id)
    assert not can(reporter, "appeals.file", SelfReport(cycle, unit(JINSHUI)))
    entries = audit.head().count
    with pytest.raises(AppealError, match="已于 .* 截止"):
        _file(cycle)
    assert Appeal.select().count() == 0 and audit.head().count == entries


def test_no_appeal_before_publishing(app, demo, db):
    cycle = make_cycle("review")
    with pytest.raises(AppealError):
        _file(cycle)
    assert Appeal.select().count() == 0


def test_one_open_appeal_per_indicator(app, demo, db):
    _admin, _reporter, inspector = _people()
    cycle = published_cycle()
    (first,) = _file(cycle)
    with pytest.raises(AppealError, match="A2 已有待答复的复核申诉"):
        _file(cycle, ("A1", "A2"))
    assert Appeal.select().count() == 1  # A1 was not filed either
    appeals.answer(first, False, "纪要日期不在考核年度内", inspector)
    (second,) = _file(cycle, reason="补充纪要原件")
    assert second.state == AppealState.OPEN
    assert [a.state for a in appeals.of_unit(cycle, unit(JINSHUI))] == ["open", "rejected"]


def test_the_database_itself_refuses_a_second_open_appeal(app, demo, db):
    cycle = published_cycle()
    (first,) = _file(cycle)
    with pytest.raises(pw.IntegrityError), database.atomic():
        Appeal.create(
            cycle=cycle, unit=first.unit_id, indicator_code="A2", reason="x", snapshot_version=1
        )
    # answered ones (open_slot NULL) never collide
    Appeal.update(open_slot=None, state=AppealState.REJECTED).where(Appeal.id == first.id).execute()
    for _ in range(2):
        Appeal.create(
            cycle=cycle,
            unit=first.unit_id,
            indicator_code="A2",
            reason="x",
            snapshot_version=1,
            state=AppealState.REJECTED,
            open_slot=None,
        )


def test_two_filings_at_once_one_wins(app, demo, db, monkeypatch):
    """Both tabs pass the checks before either writes; the first holds its transaction open
    after its insert, so the second tries meanwhile: it must be refused, never a 500."""
    cycle = published_cycle()
    both_checked = threading.Barrier(2, timeout=20)
    first = threading.Lock()
    original_record = audit.record
    original_scores = appeals.appealable_scores

    def scores(*args):
        result = original_scores(*args)
        both_checked.wait()
        return result

    def record(*args, **kwargs):
        original_record(*args, **kwargs)
        if args[0] == "appeal.file" and first.acquire(blocking=False):
            time.sleep(SIDE_WAIT_SECONDS)

    monkeypatch.setattr(appeals, "appealable_scores", scores)
    monkeypatch.setattr(audit, "record", record)
    tabs = [Side(app, _file, cycle, ("A2",), reason) for reason in ("第一次", "第二次")]
    for tab in tabs:
        tab.join()
    errors = [t.error for t in tabs if t.error is not None]
    assert len(errors) == 1, errors
    assert isinstance(errors[0], AppealError) and "已有待答复" in str(errors[0])
    assert Appeal.select().count() == 1


def test_upheld_corrects_the_item_and_a_republication_keeps_the_old_snapshot(app, demo, db):
    admin, reporter, inspector = _people()
    cycle = make_cycle("open")
    jinshui = unit(JINSHUI)
    for code, value in (("A1", "90/100"), ("A2", "3"), ("B1", "优")):
        submissions.save_value(cycle, jinshui, code, value, "", 0, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    cycle = Cycle.get_by_id(cycle.id)
    first = publishing.current_snapshot(cycle)
    assert _score(first, "A2") == "0.00"  # 3 of 4 meetings: the threshold is missed

    (row,) = _file(cycle)
    assert appeals.upheld_since_publication(cycle) == []
    verifies = len(audited("submission.verify"))
    appeals.answer(row, True, "补传纪要属实，共 4 次", inspector, verified_value="4")
    row = Appeal.get_by_id(row.id)
    assert (row.state, row.open_slot, row.verified_value_text) == ("upheld", None, "4")
    assert row.answered_by_id == inspector.id
    item = _item(cycle)
    assert (item.verified_value_text, item.status) == ("4", "verified")
    assert item.verify_reason == "申诉复核：补传纪要属实，共 4 次"
    (entry,) = audited("submission.verify")[verifies:]
    assert entry.actor_id == inspector.id
    assert json.loads(entry.after)["verified_value_text"] == "4"
    assert len(audited("appeal.answer")) == 1
    (note,) = told(reporter, NotificationKind.APPEAL_ANSWERED)
    assert "复核申诉成立" in texts_of(reporter)[-1]
    assert note.target_parts[0] == "appeals.unit_appeals"
    # the published results do not move until the office republishes
    assert _score(publishing.current_snapshot(cycle), "A2") == "0.00"
    assert [a.id for a in appeals.upheld_since_publication(cycle)] == [row.id]

    second = publishing.publish(
        Cycle.get_by_id(cycle.id), admin, reason=publishing.APPEAL_REPUBLISH_REASON
    )
    assert (second.version, second.reason, second.current) == (2, "申诉复核", True)
    kept = ResultSnapshot.get_by_id(first.id)
    assert kept.current is False and _score(kept, "A2") == "0.00"
    assert _score(second, "A2") == "30.00"
    assert appeals.upheld_since_publication(Cycle.get_by_id(cycle.id)) == []


def test_upheld_with_a_deduction_and_one_that_changes_nothing(app, demo, db):
    _admin, _reporter, inspector = _people()
    cycle = published_cycle()
    (row,) = _file(cycle)
    with pytest.raises(submissions.SubmissionError, match="须改正核定值或扣分"):
        appeals.answer(row, True, "成立", inspector, verified_value="4")
    assert Appeal.get_by_id(row.id).state == AppealState.OPEN
    appeals.answer(row, True, "台账不全，应扣分", inspector, "4", Decimal(5), "")
    item = _item(cycle)
    assert Decimal(item.deduction) == 5 and item.deduction_reason == "台账不全，应扣分"
    assert Decimal(Appeal.get_by_id(row.id).deduction) == 5


def test_rejected_needs_a_reason_and_changes_no_score(app, demo, db):
    _admin, reporter, inspector = _people()
    cycle = published_cycle()
    (row,) = _file(cycle)
    version = _item(cycle).version
    with pytest.raises(AppealError, match="申诉不成立须填写理由"):
        appeals.answer(row, False, "  ", inspector)
    appeals.answer(row, False, "纪要日期不在考核年度内", inspector)
    assert Appeal.get_by_id(row.id).state == AppealState.REJECTED
    assert _item(cycle).version == version
    assert texts_of(reporter)[-1] == (
        f"{cycle.title}：对指标 A2 协调会次数 的复核申诉不成立：纪要日期不在考核年度内"
    )
    with pytest.raises(AppealError, match="已答复"):
        appeals.answer(row, True, "改判", inspector, verified_value="9")
    assert not can(inspector, "appeals.answer", Appeal.get_by_id(row.id))


def test_review_stays_closed_in_a_published_cycle_outside_an_appeal(app, demo, db):
    _admin, _reporter, inspector = _people()
    cycle = published_cycle()
    item = _item(cycle)
    with pytest.raises(submissions.SubmissionError, match="不在核查阶段"):
        submissions.verify_item(item, item.version, inspector, verified_value="9", reason="x")
    assert _item(cycle).verified_value_text == ""


def test_pending_counts_leave_out_the_recused(app, demo, db):
    _admin, _reporter, inspector = _people()
    cycle = published_cycle()
    _file(cycle, ("A1", "A2"))
    own = users.create_user("insp-jinshui", DEMO_PASSWORD, Role.INSPECTOR, unit(JINSHUI))
    assert appeals.open_count([cycle.id], inspector) == {cycle.id: 2}
    assert appeals.open_count([cycle.id], own) == {}


def test_an_item_never_reported_cannot_be_upheld(app, demo, db):
    _admin, _reporter, inspector = _people()
    cycle = published_cycle()
    (row,) = _file(cycle, ("X1",), reason="有创新做法")  # the bonus item was left empty
    with pytest.raises(AppealError, match="未报送"):
        appeals.answer(row, True, "成立", inspector, verified_value="2")
    assert Appeal.get_by_id(row.id).state == AppealState.OPEN
