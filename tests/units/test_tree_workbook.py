"""The unit tree as .xlsx: exported, edited and imported back all or nothing, units matched
by code (a rename or a move keeps the unit, its results and its history)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from assess.accounts.models import User
from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from assess.units import workbook
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle
from tests.notifications.helpers import hand_in


def _admin() -> User:
    return User.get(User.username == "admin")


def _sheet():
    book = load_workbook(workbook.tree_workbook())
    return book, book.active


def _bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_of(ws, code: str) -> int:
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if row[0] == code:
            return number
    raise AssertionError(code)


def _unit_entries() -> list[str]:
    return [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("unit."))]


def _snapshot() -> list[tuple]:
    return sorted(
        (u.id, u.code, u.name, u.kind, u.parent_id, u.active, u.sort_order) for u in Unit.select()
    )


def test_the_export_imports_back_unchanged(demo, db):
    before = _snapshot()
    book, ws = _sheet()
    assert [c.value for c in ws[1]] == [str(c) for c in workbook.COLUMNS]
    jinshui = ws[_row_of(ws, "410105")]
    assert [c.value for c in jinshui[:4]] == ["410105", "金水区", "县（市、区）", "zz"]
    result = workbook.import_tree(_bytes(book), _admin())
    assert result.errors == [] and (result.created, result.updated) == (0, 0)
    assert result.unchanged == Unit.select().count()
    assert _snapshot() == before


def test_new_units_renames_and_moves_land_together_and_keep_their_results(demo, db):
    cycle = make_cycle("open")
    hand_in(cycle, "410105")
    jinshui = Unit.by_code("410105")
    answers = Submission.select().where(Submission.unit == jinshui).count()
    township = Unit.select().where(Unit.kind == "township").order_by(Unit.code).first()
    entries = len(_unit_entries())
    book, ws = _sheet()
    # a new township under 金水区 and a community under that new township, listed first
    ws.append(["410105-S2", "样例社区（示例）", "社区（村）", "410105-T9", "", "", "", 0, "是"])
    ws.append(["410105-T9", "样例街道（示例）", "乡（镇、办）", "410105", "", "", "", 5, "是"])
    ws.cell(_row_of(ws, "410105"), 2, "金水区（更名）")
    ws.cell(_row_of(ws, township.code), 4, "410102")  # moved under 中原区
    result = workbook.import_tree(_bytes(book), _admin())
    assert result.errors == []
    assert (result.created, result.updated) == (2, 2)
    renamed = Unit.by_code("410105")
    assert renamed.id == jinshui.id and renamed.name == "金水区（更名）"
    assert Submission.select().where(Submission.unit == renamed).count() == answers > 0
    new_township = Unit.by_code("410105-T9")
    assert new_township.parent_id == jinshui.id
    assert Unit.by_code("410105-S2").parent_id == new_township.id
    assert Unit.by_code(township.code).parent.code == "410102"
    actions = _unit_entries()[entries:]
    assert actions.count("unit.create") == 2 and actions.count("unit.update") == 2
    assert actions.count("unit.import") == 1
    rename = AuditEntry.get(
        AuditEntry.action == "unit.update", AuditEntry.entity_id == str(jinshui.id)
    )
    assert "金水区" in rename.before and "金水区（更名）" in rename.after


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (["X1", "无上级的乡镇", "乡（镇、办）", "", "", "", "", 0, "是"], "须有上级单位编码"),
        (
            ["X1", "样例街道", "乡（镇、办）", "NOPE", "", "", "", 0, "是"],
            "上级单位编码 NOPE 不存在",
        ),
        (["X1", "样例", "街道办", "410105", "", "", "", 0, "是"], "未知单位类型“街道办”"),
        (["X 1", "样例", "社区（村）", "410105", "", "", "", 0, "是"], "单位编码须为字母"),
        (["410105", "重复的金水区", "县（市、区）", "zz", "", "", "", 0, "是"], "与第"),
        (["X1", "样例", "社区（村）", "410105", "", "", "", "第一", "是"], "排序须为整数"),
        (["X1", "样例", "社区（村）", "410105", "", "", "", 0, "也许"], "须填“是”或“否”"),
    ],
)
def test_one_bad_row_and_nothing_changes(demo, db, edit, message):
    before, entries = _snapshot(), _unit_entries()
    book, ws = _sheet()
    ws.cell(_row_of(ws, "410102"), 2, "中原区（本应更名）")
    ws.append(edit)
    result = workbook.import_tree(_bytes(book), _admin())
    last = ws.max_row
    assert any(e.startswith(f"第 {last} 行") and message in e for e in result.errors), result.errors
    assert _snapshot() == before and _unit_entries() == entries


def test_a_unit_made_its_own_ancestor_is_refused(demo, db):
    before = _snapshot()
    book, ws = _sheet()
    township = Unit.select().where(Unit.kind == "township").order_by(Unit.code).first()
    county = township.parent
    ws.cell(_row_of(ws, county.code), 4, township.code)  # the county under its own township
    result = workbook.import_tree(_bytes(book), _admin())
    assert any("上下级循环" in e for e in result.errors), result.errors
    assert _snapshot() == before


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7 not a workbook", b"PK\x03\x04broken zip", b""], ids=["pdf", "zip", "empty"]
)
def test_a_file_that_is_no_workbook_is_refused_in_chinese(demo, db, data):
    result = workbook.import_tree(data, _admin())
    assert result.errors and "无法读取文件" in result.errors[0]


def test_a_unit_name_that_looks_like_a_formula_stays_text_both_ways(demo, db):
    Unit.update(name='=HYPERLINK("http://x","点此")').where(Unit.code == "410105").execute()
    book, ws = _sheet()
    cell = ws.cell(_row_of(ws, "410105"), 2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    result = workbook.import_tree(_bytes(book), _admin())
    assert result.errors == [] and result.updated == 0
    assert Unit.by_code("410105").name == '=HYPERLINK("http://x","点此")'


def test_the_office_exports_and_imports_on_the_units_page(demo, db, as_user):
    office = as_user("admin")
    page = office.get("/admin/units").get_data(as_text=True)
    assert "导出单位树（Excel）" in page and 'action="/admin/units/tree"' in page
    exported = office.get("/admin/units/tree.xlsx")
    assert exported.status_code == 200 and exported.data.startswith(b"PK")
    book = load_workbook(io.BytesIO(exported.data))
    book.active.cell(_row_of(book.active, "410105"), 2, "金水区（新）")
    answer = office.post(
        "/admin/units/tree",
        data={"workbook": (io.BytesIO(_bytes(book)), "单位树.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已导入单位树：新建 0 个，修改 1 个" in answer.get_data(as_text=True)
    assert Unit.by_code("410105").name == "金水区（新）"
    for name in ("r-410105", "inspector", "viewer"):
        someone = as_user(name)
        assert someone.get("/admin/units/tree.xlsx").status_code == 403
        assert someone.post("/admin/units/tree", data={}).status_code == 403


def test_a_units_page_shows_its_renames_and_moves(demo, db, as_user):
    jinshui = Unit.by_code("410105")
    book, ws = _sheet()
    ws.cell(_row_of(ws, "410105"), 2, "金水区（更名）")
    ws.cell(_row_of(ws, "410105"), 4, "410102")  # an odd move, but a move
    assert workbook.import_tree(_bytes(book), _admin()).errors == []
    page = as_user("admin").get(f"/admin/units/{jinshui.id}").get_data(as_text=True)
    assert "变更记录" in page
    assert "名称：金水区 → 金水区（更名）" in page and "上级单位：郑州市 → 中原区" in page
    assert "新建：名称 金水区" in page  # the demo's creation, first
