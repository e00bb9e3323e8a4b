"""Chinese, not codes, where a person reads (issue 12, points 15 and 18): rule names, the
indicator set by its programme, translated file errors, no commands on pages; lists in the
unit tree's order, parents required, and the overview and the self-report counting a
unit's indicators the same way."""

from __future__ import annotations

import io
import re
from pathlib import Path

from assess.cycles.models import Cycle, Submission
from assess.cycles.pages import unit_progress
from assess.units.models import Unit
from tests.cycle_helpers import SET_PATH, make_cycle, unit

ROOT = Path(__file__).resolve().parents[2]


def _text(page: str) -> str:
    """The page's visible text, tags dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _upload_set(client, data: bytes, name: str):
    """A new cycle from an uploaded indicator-set file named ``name``."""
    return client.post(
        "/cycles/new",
        data={
            "year": 2026,
            "name": "坏文件",
            "shipped_set": "",
            "previous": 0,
            "upload": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


# --- point 15: rule names, set names, file errors, no commands ---------------------------


def test_review_and_target_pages_name_rules_in_chinese(as_user, db):
    cycle = make_cycle("open")
    u = unit("410105")
    reporter, admin = as_user("r-410105"), as_user("admin")
    reporter.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/A1",
        data={"numerator": "90", "denominator": "100", "version": 0},
    )
    reporter.post(f"/cycles/{cycle.id}/units/{u.id}/submit")
    sub = Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A1")
    page = _text(admin.get(f"/cycles/{cycle.id}/inspection/items/{sub.id}").data.decode())
    assert "比例折算" in page and "linear" not in page

    draft = make_cycle("draft", name="草稿周期")
    page = _text(admin.get(f"/cycles/{draft.id}/assignments?unit={u.id}").data.decode())
    assert "比例折算" in page and "达标制" in page and "定性评价" in page
    assert not re.search(r"\b(linear|threshold|grade|bonus)\b", page)


def test_the_indicator_set_is_named_by_its_programme_not_its_file(as_user, db):
    cycle = make_cycle("open")
    admin = as_user("admin")
    for url in ("/cycles/", f"/cycles/{cycle.id}"):
        page = admin.get(url).data.decode()
        assert "测试考核（2026 年）" in page, url
        assert "cycle_set.yaml" not in page, url
    page = admin.get("/cycles/new").data.decode()
    assert "郑州市流动人口基本公共服务均等化考核（县（市、区））（2011 年）" in page
    assert ".yaml" not in _text(page).replace("YAML", "")


def test_a_yaml_syntax_error_is_explained_in_chinese_with_its_line(as_user, db):
    bad = SET_PATH.read_text("utf-8").replace("        weight: 40\n", "        weight: 40\n  bad\n")
    response = _upload_set(as_user("admin"), bad.encode(), "bad.yaml")
    assert response.status_code == 400
    page = response.data.decode()
    assert "语法错误" in page and "bad.yaml:" in page
    assert re.search(r"bad\.yaml:\d+: YAML：语法错误：第 \d+ 列：", page)
    for english in ("expected", "mapping", "block", "while parsing", "found"):
        assert english not in page, english
    assert not Cycle.select().exists()


def test_an_unreadable_workbook_is_explained_without_parser_english(as_user, db):
    response = _upload_set(as_user("admin"), b"PK\x03\x04 not really", "set.xlsx")
    page = response.data.decode()
    assert "文件已损坏，或不是 Excel 工作簿" in page
    assert "BadZipFile" not in page and "zip" not in _text(page).lower()


def test_no_page_names_a_command_line_tool():
    """A person at a browser cannot run ``assess …``: no template or flashed message names
    one. The schema-mismatch 503 page may, as its reader is the operator who upgrades."""
    command = re.compile(r"\bassess (score|rank-nominations|db|demo|serve|worker|backup|report)")
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.name == "schema_mismatch.html":
            continue
        if command.search(path.read_text("utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    for path in (ROOT / "assess").rglob("views*.py"):
        if command.search(path.read_text("utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    for path in (ROOT / "assess").rglob("views/*.py"):
        if command.search(path.read_text("utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- point 18: unit tree order, parents, counts that agree ---------------------------------


def test_unit_lists_follow_the_unit_tree(as_user, db):
    admin = as_user("admin")
    page = _text(admin.get("/admin/units").data.decode())
    order = [page.index(name) for name in ("金水区", "经八路街道", "经八路社区", "花园路街道")]
    assert order == sorted(order)
    jinshui = Unit.by_code("410105")
    after = (
        Unit.select()
        .where(Unit.parent == jinshui.parent, Unit.sort_order > jinshui.sort_order)
        .order_by(Unit.sort_order)
        .first()
    )
    assert page.index("农科路社区") < page.index(after.name)
    choices = admin.get("/admin/units/new").data.decode()
    assert choices.index("金水区（410105）") < choices.index("经八路街道（410105-001）")


def test_a_township_or_community_needs_a_parent(as_user, db):
    admin = as_user("admin")
    for kind in ("township", "community"):
        response = admin.post(
            "/admin/units/new",
            data={"code": f"x-{kind}", "name": "无上级", "kind": kind, "parent": 0},
            follow_redirects=True,
        )
        assert "须有上级单位" in response.data.decode()
        assert Unit.by_code(f"x-{kind}") is None
    township = Unit.by_code("410105-001")
    response = admin.post(
        f"/admin/units/{township.id}",
        data={"code": township.code, "name": township.name, "kind": "township", "parent": 0},
        follow_redirects=True,
    )
    assert "须有上级单位" in response.data.decode()
    assert Unit.by_code("410105-001").parent_id == township.parent_id


def test_overview_and_self_report_count_a_units_indicators_alike(as_user, db):
    cycle = make_cycle("open")
    u = unit("410105")
    reporter, admin = as_user("r-410105"), as_user("admin")
    reporter.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/X1", data={"value": "2", "version": 0}
    )  # a bonus item: listed on the self-report, so counted on both pages
    own = _text(reporter.get(f"/cycles/{cycle.id}/units/{u.id}/").data.decode())
    total, filled = map(int, re.search(r"共 (\d+) 项指标：已填 (\d+) 项", own).groups())
    assert (total, filled) == (5, 1)  # A1, A2, B1, the bonus X1 and the veto V1
    overview = admin.get(f"/cycles/{cycle.id}").data.decode()
    row = next(r for r in re.split(r"<tr[ >]", overview) if f"<td>{u.name}</td>" in r)
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
    assert numbers[:2] == [total, filled]
    progress = unit_progress(cycle)[u.id]
    assert (progress.indicators, progress.required, progress.filled) == (5, 3, 1)
    assert not progress.complete  # the bonus item alone never completes a unit


def test_queries_paged_in_the_database_follow_the_tree_and_the_set(as_user, db):
    from assess.cycles.lifecycle import indicator_order
    from assess.units.tree import in_tree_order, tree_order

    by_sql = [u.code for u in Unit.select().order_by(tree_order(Unit.id))]
    assert by_sql == [u.code for u in in_tree_order(Unit.select())]
    assert by_sql.index("410105") < by_sql.index("410105-001") < by_sql.index("410105-001-01")
    cycle = make_cycle("open")
    for code in ("V1", "B1", "A2", "X1", "A1"):
        Submission.create(cycle=cycle, unit=unit("410105"), indicator_code=code)
    codes = [
        s.indicator_code
        for s in Submission.select()
        .where(Submission.cycle == cycle)
        .order_by(indicator_order(cycle, Submission.indicator_code))
    ]
    assert codes == ["A1", "A2", "B1", "X1", "V1"]  # the set's order, not the alphabet's
