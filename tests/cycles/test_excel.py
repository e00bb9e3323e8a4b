"""Excel for units and the office: the fill-in template round trip (all or nothing), a
cycle created from an .xlsx indicator set, and the results export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from assess.cycles.models import Cycle, Submission
from scoring.loader import load_indicator_set
from scoring.spreadsheets import set_to_xlsx
from tests.cycle_helpers import SET_PATH, make_cycle, unit


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


def test_template_round_trip(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = _template(reporter, cycle, jinshui)
    ws = wb.active
    assert [c.value for c in ws[1]][:2] == ["指标编码", "指标名称"]
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == ["A1", "A2", "B1", "X1", "V1"]
    _fill(ws, "A1", 分子=180, 分母=200, 情况说明="抽样调查")
    _fill(ws, "A2", 填报值=4)
    _fill(ws, "B1", 填报值="良")
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
    assert "已导入 3 项指标" in page
    values = {s.indicator_code: s.value_text for s in Submission.select()}
    assert values == {"A1": "180/200", "A2": "4", "B1": "良"}
    # The downloaded template now carries the saved values.
    again = _template(reporter, cycle, jinshui).active
    assert [c.value for c in again[2]][5:7] in (["180", "200"], [180, 200])


def test_blank_rows_of_indicators_not_this_units_are_ignored(as_user, db):
    """A county-wide sheet pasted into the template keeps the rows of indicators that do not
    apply to this unit: blank, they are no answer (SPEC §4); filled, they are an error."""
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = _template(reporter, cycle, jinshui)
    ws = wb.active
    _fill(ws, "A2", 填报值=4)
    ws.append(["Q9", "不适用于本单位的指标"])
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
    assert "已导入 1 项指标" in page
    assert {s.indicator_code: s.value_text for s in Submission.select()} == {"A2": "4"}


def test_template_import_is_all_or_nothing(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    wb = _template(reporter, cycle, jinshui)
    ws = wb.active
    _fill(ws, "A1", 分子=300, 分母=200)  # numerator above denominator
    _fill(ws, "A2", 填报值=4)
    _fill(ws, "B1", 填报值="很好")  # not a grade
    ws.append(["Q9", "不存在的指标", None, None, None, None, None, 5])  # filled: an error
    page = _upload(reporter, cycle, jinshui, wb).data.decode()
    assert "第 2 行" in page and "第 4 行" in page and "第 7 行" in page
    assert "未保存任何数据" in page
    assert not Submission.select().exists()


def test_wrong_file_is_refused_clearly(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/template",
        data={"workbook": (io.BytesIO(b"not a workbook"), "x.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "无法读取文件" in response.data.decode()


def test_cycle_from_an_xlsx_indicator_set(as_user, db):
    data = set_to_xlsx(load_indicator_set(SET_PATH))
    response = as_user("admin").post(
        "/cycles/new",
        data={
            "year": 2027,
            "name": "Excel 指标",
            "shipped_set": "",
            "previous": 0,
            "upload": (io.BytesIO(data), "set.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cycle = Cycle.get(Cycle.name == "Excel 指标")
    from assess.cycles.lifecycle import indicator_set

    assert indicator_set(cycle) == load_indicator_set(SET_PATH)


def test_results_export(as_user, db):
    from assess.accounts.models import User
    from assess.cycles import publishing

    cycle = make_cycle("review")
    publishing.publish(cycle, User.get(User.username == "admin"))
    response = as_user("viewer").get(f"/cycles/{cycle.id}/results.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["县（市、区）", "成员单位"]
    assert wb["县（市、区）"].max_row == 17  # header + 16 counties
