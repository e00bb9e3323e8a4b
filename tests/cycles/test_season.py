"""A reporter's season without dead ends (issue 12): sane bounds in the web form and the
fill-in workbook, importing the editable rows of a workbook after a return, withdrawing (撤回),
cycles a unit has nothing in, evidence on rectification answers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

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
