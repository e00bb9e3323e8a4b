"""A reporter's season without dead ends (issue 12): sane bounds in the web form and the
fill-in workbook, importing the editable rows of a workbook after a return, withdrawing (撤回),
cycles a unit has nothing in, evidence on rectification answers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from assess.accounts.models import User
from assess.cycles import submissions
from assess.cycles.models import Submission
from tests.cycle_helpers import make_cycle, unit


def _template(client, cycle, u):
    response = client.get(f"/cycles/{cycle.id}/units/{u.id}/template.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _upload(client, cycle, u, wb):
    out = io.BytesIO()
    wb.save(out)
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/template",
        data={"workbook": (io.BytesIO(out.getvalue()), "filled.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _fill(ws, code, **cells):
    columns = {"分子": 6, "分母": 7, "填报值": 8, "情况说明": 9}
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            for name, value in cells.items():
                row[columns[name] - 1].value = value
            return
    raise AssertionError(code)


def _save(client, cycle, u, code, **data):
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/{code}",
        data={"version": 0} | data,
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
    wb = _template(reporter, cycle, jinshui)
    _fill(wb.active, "A2", 填报值=123456789)
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
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
    ws = _template(reporter, cycle, jinshui).active
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
    wb = _template(reporter, cycle, jinshui)
    ws = wb.active
    _fill(ws, "A2", 填报值=5, 情况说明="补充会议纪要")
    _fill(ws, "A1", 分子=1, 分母=200)  # locked: whatever it says is not imported
    _fill(ws, "X1", 填报值=2)
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
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
    wb = _template(reporter, cycle, jinshui)
    _fill(wb.active, "A2", 填报值="很多")
    _fill(wb.active, "X1", 填报值=2)
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
    assert "第 3 行" in page and "未保存任何数据" in page
    assert "已跳过" not in page
    assert not Submission.select().where(Submission.indicator_code == "X1").exists()
    assert Submission.get(Submission.indicator_code == "A2").value_text == "4"


def test_a_template_downloaded_before_the_status_column_still_imports(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = _template(reporter, cycle, jinshui)
    ws = wb.active
    ws.delete_cols(10)
    _fill(ws, "A2", 填报值=3)
    assert "已导入 1 项指标" in _upload(reporter, cycle, jinshui, wb).data.decode()
