"""A reporter's season without dead ends (issue 12): sane bounds in the web form and the
fill-in workbook, importing the editable rows of a workbook after a return, withdrawing (撤回),
cycles a unit has nothing in, evidence on rectification answers."""

from __future__ import annotations

import io
from datetime import timedelta

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import lifecycle, publishing, rectifications, submissions
from assess.cycles.models import Assignment, Cycle, Rectification, Submission
from assess.evidence.models import Evidence
from assess.reports.content import unit_report
from tests.cycle_helpers import (
    download_template,
    fill_template,
    make_cycle,
    pdf_bytes,
    png_bytes,
    unit,
    upload_template,
)


def _save(client, cycle, u, code, **data):
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/{code}",
        data={"version": 0} | data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


# --- 8. sane bounds ---------------------------------------------------------------------


def test_web_form_refuses_an_absurd_count_with_its_range(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    page = _save(as_user("r-410105"), cycle, jinshui, "A2", value="40000000").data.decode()
    assert "数值超出范围：40000000（应在 0 至 10,000,000 次 之间）" in page
    assert not Submission.select().exists()


def test_web_form_refuses_a_rate_of_absurd_counts(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    page = _save(
        as_user("r-410105"), cycle, jinshui, "A1", numerator="9", denominator="99999999"
    ).data.decode()
    assert "分子、分母超出范围" in page and "10,000,000" in page
    assert not Submission.select().exists()


def test_workbook_import_refuses_an_absurd_number_with_its_range(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = download_template(reporter, cycle, jinshui)
    fill_template(wb.active, "A2", 填报值=123456789)
    page = upload_template(reporter, cycle, jinshui, wb).data.decode()
    assert "第 3 行：数值超出范围：123456789（应在 0 至 10,000,000 次 之间）" in page
    assert not Submission.select().exists()


# --- 3. the fill-in workbook after a return ---------------------------------------------


def _returned_one(as_user, cycle, jinshui):
    """金水区 fills and submits everything; the inspector returns A2."""
    reporter = as_user("r-410105")
    for code, data in {"A1": {"numerator": "180", "denominator": "200"}, "A2": {"value": "4"},
                       "B1": {"value": "良"}}.items():  # fmt: skip
        _save(reporter, cycle, jinshui, code, **data)
    reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit")
    a2 = Submission.get(Submission.indicator_code == "A2")
    submissions.return_item(a2, "会议纪要缺失", a2.version, User.get(User.username == "inspector"))
    return reporter


def test_template_marks_locked_rows_read_only_with_their_status(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _returned_one(as_user, cycle, jinshui)
    ws = download_template(reporter, cycle, jinshui).active
    assert ws["J1"].value == "状态"
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["A1"][9].value == "已提交，不能修改"
    assert rows["A2"][9].value == "已退回：会议纪要缺失"
    assert rows["X1"][9].value == "未填报"
    assert ws.protection.sheet
    for code in ("A1", "B1"):  # handed in: grey and locked
        assert all(cell.protection.locked for cell in rows[code])
        assert rows[code][7].fill.fgColor.rgb.endswith("D9D9D9")
    for code in ("A2", "X1"):  # editable: its input cells unlocked, no grey
        assert [c.protection.locked for c in rows[code][5:9]] == [False] * 4
        assert rows[code][0].protection.locked  # the code itself stays as downloaded
        assert not rows[code][7].fill.fgColor.rgb.endswith("D9D9D9")


def test_import_after_a_return_saves_the_editable_rows_and_lists_the_skipped(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _returned_one(as_user, cycle, jinshui)
    wb = download_template(reporter, cycle, jinshui)
    ws = wb.active
    fill_template(ws, "A2", 填报值=5, 情况说明="补充会议纪要")
    fill_template(ws, "A1", 分子=1, 分母=200)  # locked: whatever it says is not imported
    fill_template(ws, "X1", 填报值=2)
    page = upload_template(reporter, cycle, jinshui, wb).data.decode()
    assert "已导入 2 项指标" in page
    assert "已跳过 2 项已提交或已核定的指标（不能修改）：A1（已提交）、B1（已提交）" in page
    values = {s.indicator_code: (s.value_text, s.status) for s in Submission.select()}
    assert values == {
        "A1": ("180/200", "submitted"),
        "A2": ("5", "returned"),
        "B1": ("良", "submitted"),
        "X1": ("2", "draft"),
    }


def test_import_with_an_error_in_an_editable_row_saves_nothing(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _returned_one(as_user, cycle, jinshui)
    wb = download_template(reporter, cycle, jinshui)
    fill_template(wb.active, "A2", 填报值="很多")
    fill_template(wb.active, "X1", 填报值=2)
    page = upload_template(reporter, cycle, jinshui, wb).data.decode()
    assert "第 3 行" in page and "未保存任何数据" in page
    assert "已跳过" not in page
    assert not Submission.select().where(Submission.indicator_code == "X1").exists()
    assert Submission.get(Submission.indicator_code == "A2").value_text == "4"


def test_a_template_downloaded_before_the_status_column_still_imports(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = download_template(reporter, cycle, jinshui)
    ws = wb.active
    ws.delete_cols(10)
    fill_template(ws, "A2", 填报值=3)
    assert "已导入 1 项指标" in upload_template(reporter, cycle, jinshui, wb).data.decode()


# --- 4. withdrawing (撤回) before an inspector acts -------------------------------------


def _submitted_all(as_user, cycle, jinshui):
    reporter = as_user("r-410105")
    for code, data in {"A1": {"numerator": "180", "denominator": "200"}, "A2": {"value": "4"},
                       "B1": {"value": "良"}}.items():  # fmt: skip
        _save(reporter, cycle, jinshui, code, **data)
    reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit")
    return reporter


def _withdraw_item(client, cycle, u, code):
    sub = Submission.get(Submission.indicator_code == code)
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/{code}/withdraw",
        data={"version": sub.version},
        follow_redirects=True,
    )


def test_reporter_withdraws_one_submitted_item_and_it_is_audited(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _submitted_all(as_user, cycle, jinshui)
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert page.count("撤回此项") == 3 and "撤回提交" in page
    page = _withdraw_item(reporter, cycle, jinshui, "A2").data.decode()
    assert "已撤回 A2，可修改后重新提交" in page
    a2 = Submission.get(Submission.indicator_code == "A2")
    assert (a2.status, a2.submitted_at) == ("draft", None)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (entry.action, entry.entity_id) == ("submission.withdraw", str(a2.id))
    # The item is a draft again: its form is back, and 提交 hands it in again.
    assert page.count("撤回此项") == 2
    reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit")
    assert Submission.get_by_id(a2.id).status == "submitted"


def test_withdraw_after_the_inspector_verified_says_so_and_changes_nothing(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _submitted_all(as_user, cycle, jinshui)
    a1 = Submission.get(Submission.indicator_code == "A1")
    stale_version = a1.version  # the reporter's page was built before the inspector acted
    submissions.verify_item(a1, a1.version, User.get(User.username == "inspector"))
    response = reporter.post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1/withdraw",
        data={"version": stale_version},
        follow_redirects=True,
    )
    page = response.data.decode()
    assert "A1 未撤回：A1 已由 督查组 李明 于" in page and "核定，不能撤回" in page
    assert Submission.get_by_id(a1.id).status == "verified"
    assert not AuditEntry.select().where(AuditEntry.action == "submission.withdraw").exists()


def test_withdraw_whole_submission_keeps_what_an_inspector_verified(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = _submitted_all(as_user, cycle, jinshui)
    b1 = Submission.get(Submission.indicator_code == "B1")
    submissions.verify_item(b1, b1.version, User.get(User.username == "inspector"))
    page = reporter.post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/withdraw", follow_redirects=True
    ).data.decode()
    assert "已撤回 2 项指标" in page and "B1 已由 督查组 李明 于" in page
    statuses = {s.indicator_code: s.status for s in Submission.select()}
    assert statuses == {"A1": "draft", "A2": "draft", "B1": "verified"}


def test_nothing_to_withdraw_is_refused_with_a_message(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    _save(reporter, cycle, jinshui, "A2", value="4")
    page = reporter.post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/withdraw", follow_redirects=True
    ).data.decode()
    assert "没有可撤回的指标" in page
    assert Submission.get(Submission.indicator_code == "A2").status == "draft"
    assert "撤回提交" not in page  # no button that can only fail


# --- 5. only cycles that assess the unit; no buttons that can only fail ------------------


def test_reporter_sees_only_cycles_whose_set_applies_to_its_unit(as_user, db):
    make_cycle("open", name="区县考核")  # A1/A2/B1 apply to counties and B1 to departments
    only_counties = make_cycle("open", year=2027, name="仅区县考核")
    Assignment.delete().where(
        Assignment.cycle == only_counties, Assignment.unit == unit("dept-gaj")
    ).execute()
    police = as_user("r-dept-gaj")
    page = police.get("/cycles/").data.decode()
    assert "区县考核" in page and "仅区县考核" not in page
    for url in (
        f"/cycles/{only_counties.id}",
        f"/cycles/{only_counties.id}/units/{unit('dept-gaj').id}/",
        f"/cycles/{only_counties.id}/units/{unit('dept-gaj').id}/template.xlsx",
    ):
        assert police.get(url, follow_redirects=True).status_code == 404, url
    # Staff still see every cycle.
    assert "仅区县考核" in as_user("inspector").get("/cycles/").data.decode()


def test_after_everything_is_submitted_upload_and_submit_become_a_status_text(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "上传填好的模板" in page and "提交自评" in page
    _submitted_all(as_user, cycle, jinshui)
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "提交自评" not in page and "全部指标已提交，等待督查核查" in page
    # The bonus and veto items may still be filled, so the template may still be uploaded.
    assert "上传填好的模板" in page
    _save(reporter, cycle, jinshui, "X1", value="1")
    _save(reporter, cycle, jinshui, "V1", value="否")
    assert "提交自评" in reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit")
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "上传填好的模板" not in page and "提交自评" not in page
    assert "全部指标已提交，无需再上传模板" in page
    assert "下载 Excel 填报模板" in page  # a read-only copy is still useful


# --- 7. evidence on rectification answers; deletes ask first ----------------------------


def _demand(cycle, u, text="补齐会议纪要"):
    return rectifications.demand(
        cycle, u, text, local_today() + timedelta(days=10), User.get(User.username == "inspector"),
        indicator_code="A2",
    )  # fmt: skip


def _answer(client, cycle, u, rect, files=(), response="已补齐会议纪要"):
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/rectifications/{rect.id}",
        data={"response": response, "files": list(files)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_an_answer_carries_evidence_seen_by_the_inspector_and_in_the_report(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    rect = _demand(cycle, jinshui)
    reporter = as_user("r-410105")
    page = _answer(
        reporter, cycle, jinshui, rect, [(io.BytesIO(pdf_bytes()), "会议纪要.pdf")]
    ).data.decode()
    assert "整改情况已报送，上传佐证材料 1 份" in page
    row = Evidence.get(Evidence.rectification == rect)
    assert (row.original_name, row.unit_id, row.submission_id) == ("会议纪要.pdf", jinshui.id, None)
    assert AuditEntry.select().where(AuditEntry.action == "evidence.upload").count() == 1
    # The inspector reads the answer with its file on the unit's page, and can open it.
    inspector = as_user("inspector")
    page = inspector.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "会议纪要.pdf" in page and f"/evidence/{row.id}" in page
    assert inspector.get(f"/evidence/{row.id}").status_code == 200
    assert as_user("r-410102").get(f"/evidence/{row.id}").status_code == 404
    # The unit's report lists it in the rectification section.
    admin = User.get(User.username == "admin")
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    data = unit_report(Cycle.get_by_id(cycle.id), jinshui, "领导小组办公室")
    assert [(r.response, r.evidence) for r in data.rectifications] == [
        ("已补齐会议纪要", ("会议纪要.pdf",))
    ]


def test_a_bad_file_refuses_the_whole_answer(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    rect = _demand(cycle, jinshui)
    page = _answer(
        as_user("r-410105"), cycle, jinshui, rect, [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "a.pdf")]
    ).data.decode()
    assert "未上传" in page
    assert Rectification.get_by_id(rect.id).response == ""
    assert not Evidence.select().exists()


def test_deleting_an_answers_file_asks_first_and_works_without_script(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    rect = _demand(cycle, jinshui)
    reporter = as_user("r-410105")
    _answer(reporter, cycle, jinshui, rect, [(io.BytesIO(png_bytes()), "现场照片.png")])
    row = Evidence.get(Evidence.rectification == rect)
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert 'data-confirm="确认删除佐证材料“现场照片.png”？"' in page
    response = reporter.post(
        f"/evidence/{row.id}/delete",
        data={"next": f"/cycles/{cycle.id}/units/{jinshui.id}/#rect-{rect.id}"},
        follow_redirects=True,
    )
    assert "已删除佐证材料 现场照片.png" in response.data.decode()
    assert not Evidence.select().exists()


def test_an_answers_files_are_frozen_once_the_demand_is_closed(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    rect = _demand(cycle, jinshui)
    reporter = as_user("r-410105")
    _answer(reporter, cycle, jinshui, rect, [(io.BytesIO(png_bytes()), "现场照片.png")])
    row = Evidence.get(Evidence.rectification == rect)
    rectifications.close(
        Rectification.get_by_id(rect.id), "", User.get(User.username == "inspector")
    )
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "现场照片.png" in page and f"/evidence/{row.id}/delete" not in page
    response = reporter.post(f"/evidence/{row.id}/delete", follow_redirects=True)
    assert "该整改要求已关闭，不能修改佐证材料" in response.data.decode()
    assert Evidence.select().count() == 1


def test_every_self_report_evidence_delete_asks_first(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    _save(reporter, cycle, jinshui, "A2", value="4", files=[(io.BytesIO(pdf_bytes()), "纪要.pdf")])
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert 'data-confirm="确认删除佐证材料“纪要.pdf”？"' in page
