"""The indicator library (指标库, issue 12 point 16): a set as a table, exported and imported
as .xlsx, and a draft cycle's weights and targets edited in the browser by the office."""

from __future__ import annotations

import io
import json

import openpyxl

from assess.core.models import AuditEntry
from assess.cycles.models import Cycle
from scoring.loader import load_indicator_set
from scoring.spreadsheets import set_to_xlsx
from tests.cycle_helpers import SET_PATH, make_cycle
from tests.cycles.test_words import _text
from tests.scoring.test_spreadsheets import _yaml_named

# --- point 16: the indicator library ------------------------------------------------------


def test_the_library_shows_a_set_as_a_table_and_exports_it(as_user, db):
    admin = as_user("admin")
    index = admin.get("/library/").data.decode()
    assert "指标库" in index and "郑州市流动人口基本公共服务均等化考核（成员单位）" in index
    page = _text(admin.get("/library/sets/zz-2011-county").data.decode())
    assert "郑政办〔2010〕90号" in page  # the clauses
    assert "比例折算" in page and "权重" in page and "目标值" in page
    assert "县（市、区）" in page  # applies_to by its label
    assert "linear" not in page and "county" not in page
    response = admin.get("/library/sets/zz-2011-county.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["基本信息", "等级", "指标"]
    assert [c.value for c in book["指标"][1]][:4] == [
        "分类代码",
        "分类名称",
        "指标代码",
        "指标名称",
    ]
    # inspectors read the library; reporters and leaders do not see it at all
    assert as_user("inspector").get("/library/").status_code == 200
    assert as_user("viewer").get("/library/").status_code == 403
    assert "指标库" not in as_user("r-410105").get("/").data.decode()


def test_a_draft_sets_weights_and_targets_are_edited_in_the_browser(as_user, db):
    draft = make_cycle("draft", name="草稿周期")
    admin = as_user("admin")
    page = admin.get(f"/library/cycles/{draft.id}").data.decode()
    assert 'name="weight-A1"' in page and 'name="target-A2"' in page
    response = admin.post(
        f"/library/cycles/{draft.id}/values",
        data={"weight-A1": "45", "target-A2": "5", "weight-A2": "30"},
        follow_redirects=True,
    )
    assert "已修改 2 项指标" in response.data.decode()
    cycle = Cycle.get_by_id(draft.id)
    assert "weight: 45" in cycle.indicator_yaml and "target: 5" in cycle.indicator_yaml
    entry = AuditEntry.select().where(AuditEntry.action == "cycle.indicator_edit").get()
    assert json.loads(entry.before) == {"A1": {"weight": "40"}, "A2": {"target": "4"}}
    assert json.loads(entry.after) == {"A1": {"weight": "45"}, "A2": {"target": "5"}}
    audit_page = admin.get("/audit/?action=修改指标").data.decode()
    assert "修改指标权重和目标值" in audit_page.split("<tbody>")[1]


def test_a_bad_weight_is_refused_with_its_indicator_and_nothing_changes(as_user, db):
    draft = make_cycle("draft", name="草稿周期")
    admin = as_user("admin")
    before = Cycle.get_by_id(draft.id).indicator_yaml
    for typed, says in (
        ("0", "权重须大于 0"),
        ("12.345", "最多两位小数"),
        ("多", "不是有效的数字"),
    ):
        response = admin.post(
            f"/library/cycles/{draft.id}/values", data={"weight-A1": typed, "target-A2": "6"}
        )
        assert response.status_code == 400
        page = response.data.decode()
        assert says in page and "A1" in page
        assert f'value="{typed}"' in page and 'value="6"' in page  # what was typed stays
        assert Cycle.get_by_id(draft.id).indicator_yaml == before
    assert not AuditEntry.select().where(AuditEntry.action == "cycle.indicator_edit").exists()


def test_an_open_cycles_set_is_read_only_and_the_inspector_cannot_edit(as_user, db):
    cycle = make_cycle("open")
    admin = as_user("admin")
    page = admin.get(f"/library/cycles/{cycle.id}").data.decode()
    assert 'name="weight-A1"' not in page and "已冻结" in page
    before = Cycle.get_by_id(cycle.id).indicator_yaml
    response = admin.post(
        f"/library/cycles/{cycle.id}/values", data={"weight-A1": "45"}, follow_redirects=True
    )
    assert "冻结" in response.data.decode()
    assert Cycle.get_by_id(cycle.id).indicator_yaml == before
    draft = make_cycle("draft", name="草稿周期")
    inspector = as_user("inspector")
    assert 'name="weight-A1"' not in inspector.get(f"/library/cycles/{draft.id}").data.decode()
    refused = inspector.post(f"/library/cycles/{draft.id}/values", data={"weight-A1": "45"})
    assert refused.status_code == 403


def test_an_exported_workbook_imports_back_into_a_draft(as_user, db):
    draft = make_cycle("draft", name="草稿周期")
    admin = as_user("admin")
    data = admin.get(f"/library/cycles/{draft.id}.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["指标"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("权重") + 1).value = 42
    buffer = io.BytesIO()
    book.save(buffer)
    response = admin.post(
        f"/library/cycles/{draft.id}/import",
        data={"workbook": (io.BytesIO(buffer.getvalue()), "edited.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已导入指标体系" in response.data.decode()
    assert "weight: 42" in Cycle.get_by_id(draft.id).indicator_yaml
    # an old workbook with the YAML headers is taken too
    old = _yaml_named(openpyxl.load_workbook(io.BytesIO(set_to_xlsx(load_indicator_set(SET_PATH)))))
    buffer = io.BytesIO()
    old.save(buffer)
    response = admin.post(
        f"/library/cycles/{draft.id}/import",
        data={"workbook": (io.BytesIO(buffer.getvalue()), "old.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "weight: 40" in Cycle.get_by_id(draft.id).indicator_yaml
