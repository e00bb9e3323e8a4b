"""Appeals (复核申诉) through the pages: filing with evidence from the results, refused after
the window, the staff's list and answer form, the republish form offering 申诉复核, the home
to-dos, and the appeal in the unit report and the city summary (PDF text)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pdfminer.high_level import extract_text

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import appeals
from assess.cycles.models import Appeal, Cycle, Submission
from tests.cycle_helpers import pdf_bytes, unit
from tests.cycles.test_appeals import JINSHUI, published_cycle


def _urls(cycle: Cycle) -> tuple[str, str]:
    return (
        f"/cycles/{cycle.id}/units/{unit(JINSHUI).id}/appeals",
        f"/cycles/{cycle.id}/appeals",
    )


def _flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", extract_text(io.BytesIO(pdf)))


def test_a_reporter_files_from_its_results_and_reads_the_answer(app, as_user, db):
    cycle = published_cycle()
    unit_url, list_url = _urls(cycle)
    reporter = as_user("r-410105")
    result = reporter.get(f"/cycles/{cycle.id}/units/{unit(JINSHUI).id}/result")
    assert "提出复核申诉" in result.text and unit_url in result.text
    page = reporter.get(unit_url)
    assert page.status_code == 200 and "申诉截止日期" in page.text and "还有 7 天" in page.text
    sent = reporter.post(
        unit_url,
        data={
            "codes": ["A2"],
            "reason": "协调会共 5 次，纪要见附件",
            "files": (io.BytesIO(pdf_bytes(1)), "会议纪要.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已提出复核申诉 1 项" in sent.text and "会议纪要.pdf" in sent.text
    assert "申诉待答复" in sent.text  # A2 cannot be chosen again while it waits
    # another unit's reporter is told nothing; a leader reads it, without the files' links
    assert as_user("r-410102").get(unit_url).status_code == 404
    leader = as_user("viewer").get(list_url)
    assert leader.status_code == 200 and "协调会共 5 次" in leader.text
    assert "提交答复" not in leader.text and "/evidence/" not in leader.text

    inspector = as_user("inspector")
    listed = inspector.get(list_url)
    assert "金水区" in listed.text and "提交答复" in listed.text
    row = Appeal.get()
    answered = inspector.post(
        f"/cycles/{cycle.id}/appeals/{row.id}/answer",
        data={"outcome": "upheld", "answer": "纪要属实", "verified_value": "5"},
        follow_redirects=True,
    )
    assert "已答复 金水区 对 A2 的复核申诉" in answered.text
    assert "已有 1 项申诉成立" in answered.text
    item = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A2")
    assert item.verified_value_text == "5"

    back = reporter.get(unit_url)
    assert "申诉成立" in back.text and "纪要属实" in back.text and "核定值 5" in back.text
    home = reporter.get("/")
    assert "复核申诉答复（1 项）" in home.text and "纪要属实" in home.text


def test_after_the_window_the_page_refuses_and_changes_nothing(app, as_user, db):
    cycle = published_cycle()
    admin = User.get(User.username == "admin")
    appeals.set_appeal_due(cycle, local_today() - timedelta(days=1), "已过", admin)
    unit_url, _list_url = _urls(cycle)
    reporter = as_user("r-410105")
    assert "提交复核申诉" not in reporter.get(unit_url).text
    sent = reporter.post(
        unit_url, data={"codes": ["A2"], "reason": "迟到的申诉"}, follow_redirects=True
    )
    assert "复核申诉已于" in sent.text and "截止" in sent.text
    assert Appeal.select().count() == 0


def test_a_refused_answer_keeps_the_appeal_open(app, as_user, db):
    cycle = published_cycle()
    (row,) = appeals.file_appeals(
        cycle, unit(JINSHUI), ["A2"], "理由", [], User.get(User.username == "r-410105")
    )
    page = as_user("admin").post(
        f"/cycles/{cycle.id}/appeals/{row.id}/answer",
        data={"outcome": "upheld", "answer": "成立", "verified_value": "4"},
        follow_redirects=True,
    )
    assert "须改正核定值或扣分" in page.text
    assert Appeal.get_by_id(row.id).state == "open"


def test_the_republish_form_offers_the_appeal_reason_and_the_home_pages_list_appeals(
    app, as_user, db
):
    cycle = published_cycle()
    office = as_user("admin")
    assert "申诉复核" not in office.get(f"/cycles/{cycle.id}/publish").text
    reporter_home = as_user("r-410105").get("/")
    assert "考核结果已公布，可提出复核申诉" in reporter_home.text
    (row,) = appeals.file_appeals(
        cycle, unit(JINSHUI), ["A2"], "理由", [], User.get(User.username == "r-410105")
    )
    for name in ("admin", "inspector"):
        home = as_user(name).get("/")
        assert "待答复的复核申诉" in home.text and "1 项申诉待答复" in home.text
    appeals.answer(row, True, "成立", User.get(User.username == "inspector"), "6")
    page = office.get(f"/cycles/{cycle.id}/publish")
    assert "有 1 项复核申诉成立" in page.text
    assert re.search(r'<textarea name="reason"[^>]*>申诉复核</textarea>', page.text)
    assert "待答复的复核申诉" not in office.get("/").text


def test_the_appeal_deadline_on_the_deadlines_page(app, as_user, db):
    cycle = published_cycle()
    office = as_user("admin")
    page = office.get(f"/cycles/{cycle.id}/deadlines")
    assert "复核申诉截止日期" in page.text and "保存申诉截止日期" in page.text
    due = local_today() + timedelta(days=30)
    sent = office.post(
        f"/cycles/{cycle.id}/appeal-due",
        data={"appeal-appeal_due": due.isoformat(), "appeal-reason": "延长申诉期"},
        follow_redirects=True,
    )
    assert "申诉截止日期已更新" in sent.text
    assert Cycle.get_by_id(cycle.id).appeal_due == due


def test_the_reports_print_the_appeals_and_nothing_when_there_are_none(app, as_user, db):
    cycle = published_cycle()
    viewer = as_user("viewer")
    unit_pdf = f"/reports/cycles/{cycle.id}/units/{unit(JINSHUI).id}.pdf"
    summary_pdf = f"/reports/cycles/{cycle.id}/summary.pdf"
    assert "复核申诉" not in _flat(viewer.get(unit_pdf).data)
    (row,) = appeals.file_appeals(
        cycle, unit(JINSHUI), ["A2"], "纪要漏传", [], User.get(User.username == "r-410105")
    )
    appeals.answer(row, False, "纪要日期不在考核年度内", User.get(User.username == "inspector"))
    text = _flat(viewer.get(unit_pdf).data)
    assert "复核申诉" in text and "纪要漏传" in text and "纪要日期不在考核年度内" in text
    assert "申诉不成立" in text
    city = _flat(viewer.get(summary_pdf).data)
    assert "共收到复核申诉1项，其中申诉成立0项" in city and "金水区" in city
