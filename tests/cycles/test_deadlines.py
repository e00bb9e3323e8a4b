"""Deadlines (截止日期) through the office's pages: editing them with a reason, a 核查截止
never before the 自评截止, one unit's extension (延期), and what a passed deadline closes
for the unit's reporters (and shows them)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import submissions
from assess.cycles.models import Cycle, DeadlineExtension, Submission
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from tests.cycle_helpers import SET_PATH, make_cycle, pdf_bytes, unit

# Today is read where it is used, never once at import: a run that crosses midnight in
# China (16:00 UTC) would compare yesterday's date with the app's today.


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [m for _c, m in session.pop("_flashes", [])]


def test_office_edits_deadlines_with_a_reason_and_it_is_audited(as_user, db):
    admin = as_user("admin")
    cycle = make_cycle("open")
    page = admin.get(f"/cycles/{cycle.id}/deadlines")
    assert page.status_code == 200 and "截止日期与延期" in page.text
    assert f"/cycles/{cycle.id}/deadlines" in admin.get(f"/cycles/{cycle.id}").text

    due, review = local_today() + timedelta(days=10), local_today() + timedelta(days=20)
    data = {"self_report_due": due.isoformat(), "review_due": review.isoformat()}
    refused = admin.post(f"/cycles/{cycle.id}/deadlines", data=data)
    assert refused.status_code == 200 and "请填写修改原因" in refused.text
    assert Cycle.get_by_id(cycle.id).self_report_due is None

    response = admin.post(f"/cycles/{cycle.id}/deadlines", data=data | {"reason": "市里统一部署"})
    assert response.status_code == 302
    changed = Cycle.get_by_id(cycle.id)
    assert (changed.self_report_due, changed.review_due) == (due, review)
    entry = AuditEntry.select().where(AuditEntry.action == "cycle.deadlines").get()
    assert json.loads(entry.before) == {"self_report_due": None, "review_due": None}
    assert json.loads(entry.after)["reason"] == "市里统一部署"
    assert json.loads(entry.after)["self_report_due"] == due.isoformat()


def test_a_review_deadline_before_the_self_report_deadline_is_refused(as_user, db):
    admin = as_user("admin")
    due = local_today() + timedelta(days=10)
    cycle = make_cycle("open", self_report_due=due)
    data = {
        "self_report_due": due.isoformat(),
        "review_due": (due - timedelta(days=1)).isoformat(),
        "reason": "调整",
    }
    response = admin.post(f"/cycles/{cycle.id}/deadlines", data=data)
    assert response.status_code == 200
    assert "核查截止日期不能早于自评截止日期" in response.text
    assert Cycle.get_by_id(cycle.id).review_due is None
    assert not AuditEntry.select().where(AuditEntry.action == "cycle.deadlines").exists()

    # And on a new cycle too.
    created = admin.post(
        "/cycles/new",
        data={
            "year": 2027,
            "name": "倒置截止",
            "shipped_set": "",
            "previous": 0,
            "upload": (io.BytesIO(SET_PATH.read_bytes()), "cycle_set.yaml"),
            "self_report_due": "2027-06-30",
            "review_due": "2027-06-01",
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 400 and "核查截止日期不能早于自评截止日期" in created.text
    assert not Cycle.select().where(Cycle.name == "倒置截止").exists()


def _late_cycle():
    """An open cycle whose 自评截止 was yesterday, 金水区 with a draft A1 and its evidence."""
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=5))
    reporter = User.get(User.username == "r-410105")
    sub, _w = submissions.save_value(cycle, unit("410105"), "A1", "90/100", "", 0, reporter)
    Cycle.update(self_report_due=local_today() - timedelta(days=1)).where(
        Cycle.id == cycle.id
    ).execute()
    return Cycle.get_by_id(cycle.id), sub


def test_after_the_deadline_the_unit_writes_nothing_and_is_told_why(app, as_user, db):
    cycle, sub = _late_cycle()
    jinshui = unit("410105")
    stored = attachments.store_uploads(
        [FileStorage(stream=io.BytesIO(pdf_bytes(1)), filename="台账.pdf")],
        EvidenceStore.from_config(app.config),
    )
    Cycle.update(self_report_due=None).where(Cycle.id == cycle.id).execute()
    reporter_user = User.get(User.username == "r-410105")
    (evidence,) = attachments.attach(stored, reporter_user, jinshui.id, submission=sub)
    Cycle.update(self_report_due=local_today() - timedelta(days=1)).where(
        Cycle.id == cycle.id
    ).execute()

    reporter = as_user("r-410105")
    base = f"/cycles/{cycle.id}/units/{jinshui.id}"
    page = reporter.get(f"{base}/").text
    assert "已逾期 1 天，填报已截止" in page and "申请延期" in page
    assert "保存此项" not in page and "提交自评" not in page  # no button that can only fail

    reporter.post(f"{base}/items/A1", data={"value": "80/100", "version": sub.version})
    assert any("自评填报已于" in m and "截止" in m for m in _flashes(reporter))
    reporter.post(f"{base}/submit")
    assert any("自评填报已于" in m for m in _flashes(reporter))
    reporter.post(f"/evidence/{evidence.id}/delete")
    assert any("自评填报已于" in m for m in _flashes(reporter))
    assert Submission.get_by_id(sub.id).value_text == "90/100"
    assert Submission.get_by_id(sub.id).status == "draft"
    assert Evidence.get_or_none(Evidence.id == evidence.id) is not None


def test_an_extension_lets_one_unit_report_late(as_user, db):
    cycle, sub = _late_cycle()
    jinshui, erqi = unit("410105"), unit("410103")
    admin, reporter = as_user("admin"), as_user("r-410105")
    base = f"/cycles/{cycle.id}/units/{jinshui.id}"
    new_due = local_today() + timedelta(days=3)

    # The new date must lie after the 自评截止, and a reason is needed.
    for due, reason, message in [
        (local_today() - timedelta(days=1), "补报", "延期日期须晚于自评截止日期"),
        (new_due, "", "请选择单位，填写延期日期和原因"),
    ]:
        data = {"extension-unit": jinshui.id, "extension-due": due.isoformat()}
        data["extension-reason"] = reason
        response = admin.post(f"/cycles/{cycle.id}/extensions", data=data)
        assert response.status_code == 200 and message in response.text
    assert DeadlineExtension.select().count() == 0

    data = {
        "extension-unit": jinshui.id,
        "extension-due": new_due.isoformat(),
        "extension-reason": "系统故障补报",
    }
    assert admin.post(f"/cycles/{cycle.id}/extensions", data=data).status_code == 302
    extension = DeadlineExtension.get()
    assert (extension.unit_id, extension.due, extension.reason) == (
        jinshui.id,
        new_due,
        "系统故障补报",
    )
    entry = AuditEntry.select().where(AuditEntry.action == "cycle.extension").get()
    assert json.loads(entry.after) == {
        "unit": "金水区",
        "due": new_due.isoformat(),
        "reason": "系统故障补报",
    }
    listed = admin.get(f"/cycles/{cycle.id}/deadlines").text
    assert "金水区" in listed and "系统故障补报" in listed

    page = reporter.get(f"{base}/").text
    assert f"本单位已获延期至 {new_due.isoformat()}" in page and "剩余 3 天" in page
    assert "保存此项" in page
    reporter.post(f"{base}/items/A1", data={"value": "80/100", "version": sub.version})
    assert Submission.get_by_id(sub.id).value_text == "80/100"

    # Another unit is still past its deadline.
    other = Submission.get_or_none(Submission.unit == erqi)
    assert other is None
    # A 核查截止 before the extension is refused, naming the unit.
    refused = admin.post(
        f"/cycles/{cycle.id}/deadlines",
        data={
            "self_report_due": cycle.self_report_due.isoformat(),
            "review_due": (local_today() + timedelta(days=1)).isoformat(),
            "reason": "提前",
        },
    )
    assert refused.status_code == 200 and "金水区 延期至" in refused.text

    # Revoked, the unit is closed again.
    revoke = f"/cycles/{cycle.id}/extensions/{extension.id}/revoke"
    assert admin.post(revoke, data={"reason": ""}).status_code == 302
    assert DeadlineExtension.select().count() == 1
    admin.post(revoke, data={"reason": "误批"})
    assert DeadlineExtension.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "cycle.extension_revoke").exists()
    current = Submission.get_by_id(sub.id)
    reporter.post(f"{base}/items/A1", data={"value": "70/100", "version": current.version})
    assert Submission.get_by_id(sub.id).value_text == "80/100"


def test_deadlines_are_frozen_once_published(as_user, db):
    admin = as_user("admin")
    cycle = make_cycle("review", self_report_due=local_today())
    Cycle.update(state="published").where(Cycle.id == cycle.id).execute()
    page = admin.get(f"/cycles/{cycle.id}/deadlines").text
    assert "保存截止日期" not in page and "结果已公布，截止日期不能再修改" in page
    data = {"self_report_due": local_today().isoformat(), "reason": "改"}
    admin.post(f"/cycles/{cycle.id}/deadlines", data=data)
    assert Cycle.get_by_id(cycle.id).review_due is None
