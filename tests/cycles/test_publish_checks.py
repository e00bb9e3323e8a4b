"""Publish safeguards (发布前检查): the check page lists what is unfinished, each exception
must be confirmed, units that never reported need a reason printed with the results, and
the checks are done again when publishing: what was confirmed must still be true."""

from __future__ import annotations

import json
from datetime import timedelta

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import rectifications, submissions
from assess.cycles.models import Cycle, ResultSnapshot, Submission
from assess.cycles.publish_checks import prepublish_checks
from assess.reports.content import city_summary
from tests.cycle_helpers import make_cycle, publish_form, unit
from tests.reports.report_helpers import render_to

REASON = "二七区等单位因机构调整未报送，经领导小组同意按未填报计分"


def _world():
    """A cycle in review: 金水区 reported everything, A2 verified; 中原区 reported part;
    every other unit nothing; one open demand; the 自评截止 still ahead."""
    reporter = User.get(User.username == "r-410105")
    inspector = User.get(User.username == "inspector")
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=3))
    jinshui, zhongyuan = unit("410105"), unit("410102")
    for code, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
        submissions.save_value(cycle, jinshui, code, value, "", 0, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    a2 = Submission.get(Submission.unit == jinshui, Submission.indicator_code == "A2")
    submissions.verify_item(a2, a2.version, inspector)
    submissions.save_value(cycle, zhongyuan, "A2", "2", "", 0, reporter)
    Submission.update(status="submitted").where(Submission.unit == zhongyuan).execute()
    rectifications.demand(
        cycle, jinshui, "补充调查样本", local_today() + timedelta(days=5), inspector, "A1"
    )
    Cycle.update(state="review").where(Cycle.id == cycle.id).execute()
    return Cycle.get_by_id(cycle.id)


def test_the_check_page_lists_every_exception(as_user, db):
    cycle = _world()
    admin = as_user("admin")
    overview = admin.get(f"/cycles/{cycle.id}").text
    assert f"/cycles/{cycle.id}/publish" in overview and "发布前检查并发布" in overview
    page = admin.get(f"/cycles/{cycle.id}/publish").text
    checks = {c.key: c for c in prepublish_checks(cycle)}
    assert checks["unreported"].count == 29 - 2  # 16 counties and 13 departments
    assert ("二七区",) in checks["unreported"].rows and ("金水区",) not in checks["unreported"].rows
    assert checks["incomplete"].rows == (("中原区", "2 项未提交"),)
    assert ("金水区", "A1 政策知晓率", "已提交") in checks["unverified"].rows
    assert not any("A2" in row[1] and row[0] == "金水区" for row in checks["unverified"].rows)
    assert checks["rectifications"].rows[0][:4] == (
        "金水区",
        "A1 政策知晓率",
        "补充调查样本",
        "待整改",
    )
    assert checks["deadlines"].rows == (("自评截止", cycle.self_report_due.isoformat()),)
    for text in (
        "从未报送的单位",
        "二七区",
        "中原区",
        "2 项未提交",
        "尚未核定的指标",
        "补充调查样本",
    ):
        assert text in page, text
    assert "尚未到期的截止日期" in page and 'name="confirm_unreported"' in page
    assert 'name="unreported_reason"' in page


def test_publishing_needs_each_exception_confirmed_and_a_reason(as_user, db):
    cycle = _world()
    admin = as_user("admin")
    url = f"/cycles/{cycle.id}/publish"
    # Nothing confirmed: refused, each check named, nothing published.
    refused = admin.post(url, data={})
    assert refused.status_code == 200
    assert "请确认“从未报送的单位”（27 项）" in refused.text
    assert "请确认“尚未到期的截止日期”（1 项）" in refused.text
    # Everything confirmed but no reason for the units that never reported.
    refused = admin.post(url, data=publish_form(cycle, unreported_reason=" "))
    assert refused.status_code == 200 and "须填写发布说明" in refused.text
    # One check left unconfirmed.
    form = publish_form(cycle, unreported_reason=REASON)
    del form["confirm_rectifications"]
    refused = admin.post(url, data=form)
    assert "请确认“尚未关闭的整改要求”" in refused.text
    assert 'name="confirm_unreported" value="' in refused.text and "checked" in refused.text
    assert REASON in refused.text  # what was typed is kept
    assert ResultSnapshot.select().count() == 0
    assert Cycle.get_by_id(cycle.id).state == "review"
    # The old way round the check publishes nothing.
    admin.post(f"/cycles/{cycle.id}/transition/published", data={"reason": "x"})
    assert ResultSnapshot.select().count() == 0


def test_what_was_confirmed_must_still_be_true(as_user, db):
    cycle = _world()
    admin = as_user("admin")
    form = publish_form(cycle, unreported_reason=REASON)
    # Meanwhile an inspector verifies one more item: the unverified list is not what the
    # office confirmed any more.
    inspector = User.get(User.username == "inspector")
    a1 = Submission.get(Submission.unit == unit("410105"), Submission.indicator_code == "A1")
    submissions.verify_item(a1, a1.version, inspector)
    refused = admin.post(f"/cycles/{cycle.id}/publish", data=form)
    assert refused.status_code == 200
    assert "“尚未核定的指标”在您检查之后有变化" in refused.text
    assert ResultSnapshot.select().count() == 0


def test_the_reason_is_stored_audited_and_printed_with_the_results(as_user, db, tmp_path):
    cycle = _world()
    admin = as_user("admin")
    response = admin.post(
        f"/cycles/{cycle.id}/publish", data=publish_form(cycle, unreported_reason=REASON)
    )
    assert response.status_code == 302, response.text[:2000]
    snapshot = ResultSnapshot.get()
    assert Cycle.get_by_id(cycle.id).state == "published"
    assert snapshot.unreported_reason == REASON
    assert {"unit": unit("410103").id, "name": "二七区"} in snapshot.unreported_units
    assert json.loads(snapshot.confirmed)["unreported"] == 27
    entry = AuditEntry.select().where(AuditEntry.action == "cycle.publish").get()
    assert json.loads(entry.after)["unreported_reason"] == REASON

    erqi = admin.get(f"/cycles/{cycle.id}/units/{unit('410103').id}/result").text
    assert "本单位未报送自评" in erqi and REASON in erqi
    jinshui = admin.get(f"/cycles/{cycle.id}/units/{unit('410105').id}/result").text
    assert "本单位未报送自评" not in jinshui
    ranking = admin.get(f"/cycles/{cycle.id}/ranking").text
    assert "未报送单位" in ranking and "二七区" in ranking and REASON in ranking

    # The city summary PDF prints them in its overall situation.
    data = city_summary(Cycle.get_by_id(cycle.id), "郑州市卫生和计划生育委员会")
    assert "二七区" in data.unreported and data.unreported_reason == REASON
    text = render_to(tmp_path, "city", data).flat_text()
    assert "二七区" in text and "未报送自评材料" in text and REASON in text
