"""Indicator sets and results as .xlsx (and results as CSV): the set's round trip is
lossless, and the workbook is the one the office edits."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from indicators import load_shipped_set, shipped_sets
from scoring.engine import score_units
from scoring.loader import IndicatorSetError
from scoring.spreadsheets import (
    HEADERS,
    result_columns,
    results_to_csv,
    results_to_xlsx,
    set_from_xlsx,
    set_to_xlsx,
)
from scoring.values import Rate

pytestmark = pytest.mark.pure

D = Decimal


@pytest.mark.parametrize("name", sorted(shipped_sets()))
def test_every_shipped_set_survives_the_round_trip(name):
    indicator_set = load_shipped_set(name)
    assert set_from_xlsx(set_to_xlsx(indicator_set), f"{name}.xlsx") == indicator_set


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _yaml_named(book):
    """The workbook as older exports wrote it: sheets and columns under their YAML names."""
    titles = {title: field for field, title in HEADERS.items()}
    for sheet in book.worksheets:
        field = {"基本信息": "set", "等级": "grades", "指标": "indicators"}[sheet.title]
        sheet.title = field
        cells = sheet["A"] if field == "set" else sheet[1]
        for cell in cells:
            name = titles.get(cell.value)
            cell.value = "source" if cell.value in ("文件依据", "依据条款") else name
    return book


def test_the_workbook_has_chinese_headers_and_the_yaml_columns():
    book = _book(set_to_xlsx(load_shipped_set("zz-2011-county")))
    assert book.sheetnames == ["基本信息", "等级", "指标"]
    sheet = book["指标"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["分类代码", "分类名称", "指标代码", "指标名称", "适用单位"]
    assert "权重" in header and "评分规则" in header and "目标值" in header
    assert "取值下限" in header and "取值上限" in header  # no column left in English
    header = [
        {"依据条款": "source", "取值下限": "min", "取值上限": "max"}.get(h)
        or next(k for k, v in HEADERS.items() if v == h)
        for h in header
    ]
    f1 = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[2] == "F1")
    record = dict(zip(header, f1, strict=True))
    assert record["tiers"] == "[{min: 100, score: 8}, {min: 80, score: 6}, {min: 60, score: 3}]"
    assert record["weight"] == 8 and isinstance(record["weight"], int)
    assert record["applies_to"] == "[county]"
    assert [cell.value for cell in book["基本信息"]["A"]] == ["考核名称", "年度", "文件依据"]


def test_a_workbook_with_the_old_yaml_headers_still_imports():
    indicator_set = load_shipped_set("zz-2011-county")
    book = _yaml_named(_book(set_to_xlsx(indicator_set)))
    assert book.sheetnames == ["set", "grades", "indicators"]
    assert [c.value for c in book["indicators"][1]][:3] == [
        "category_code",
        "category_name",
        "code",
    ]
    buffer = io.BytesIO()
    book.save(buffer)
    assert set_from_xlsx(buffer.getvalue(), "old.xlsx") == indicator_set


def test_exotic_values_survive(build_set):
    indicator_set = build_set(
        {
            "code": "=A1",  # would be a formula if written carelessly
            "name": "=SUM(1,2)",
            "measure": "rate",
            "rule": "linear",
            "target": "95.123456789012345678",  # more digits than a float holds
            "floor": "0.1",
            "weight": "12.5",
            "applies_to": ["410102", "county"],
            "evidence": ["a, b", "c：d"],
        }
    )
    assert set_from_xlsx(set_to_xlsx(indicator_set)) == indicator_set


def test_lists_may_be_typed_plainly_in_excel():
    book = _book(set_to_xlsx(load_shipped_set("zz-2011-county")))
    sheet = book["指标"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("适用单位") + 1).value = "county、410102"
    sheet.cell(row=2, column=header.index("佐证材料") + 1).value = "文件一，文件二"
    sheet.cell(row=2, column=header.index("权重") + 1).value = 4.0
    buffer = io.BytesIO()
    book.save(buffer)
    indicator = set_from_xlsx(buffer.getvalue()).indicator("A1")
    assert indicator.applies_to == ("county", "410102")
    assert indicator.evidence == ("文件一", "文件二")
    assert indicator.weight == D(4)


def test_import_reports_every_problem():
    book = _book(set_to_xlsx(load_shipped_set("zz-2011-county")))
    sheet = book["指标"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("权重") + 1).value = 0  # A1
    sheet.cell(row=3, column=header.index("分档") + 1).value = "[{min: 1"  # A2, bad flow
    sheet.cell(row=1, column=len(header) + 1).value = "colour"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(IndicatorSetError) as raised:
        set_from_xlsx(buffer.getvalue(), "SET.xlsx")
    assert raised.value.errors[0] == "SET.xlsx: 工作表 指标 第 1 行 colour：未知列"
    assert raised.value.errors[1].startswith("SET.xlsx: 工作表 指标 第 3 行 分档：无法读取")
    with pytest.raises(IndicatorSetError) as raised:
        sheet.cell(row=3, column=header.index("分档") + 1).value = None
        sheet.cell(row=1, column=len(header) + 1).value = None
        buffer = io.BytesIO()
        book.save(buffer)
        set_from_xlsx(buffer.getvalue(), "SET.xlsx")
    assert raised.value.errors == ["SET.xlsx: 指标 A1 的 weight：权重须大于 0"]


def test_not_a_workbook():
    with pytest.raises(IndicatorSetError, match="x.xlsx: 不是可读取的 .xlsx 文件"):
        set_from_xlsx(b"not a zip", "x.xlsx")
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(IndicatorSetError) as raised:
        set_from_xlsx(buffer.getvalue(), "x.xlsx")
    assert raised.value.errors == [
        "x.xlsx: 缺少工作表 基本信息",
        "x.xlsx: 缺少工作表 等级",
        "x.xlsx: 缺少工作表 指标",
    ]


@pytest.fixture(scope="module")
def scored():
    indicator_set = load_shipped_set("zz-2011-department")
    values = {
        "dept-gaj": {"A1": D(4), "A2": "良", "A3": D(1), "F1": "优", "F2": "良", "F3": D(3)},
        "dept-sfj": {"A1": D(3), "M2": True},
    }
    units = [("dept-gaj", "department"), ("dept-sfj", "department")]
    return indicator_set, score_units(indicator_set, units, values)


def test_results_csv(scored):
    indicator_set, results = scored
    lines = results_to_csv(indicator_set, results, {"dept-gaj": "公安局"}).splitlines()
    assert lines[0].startswith("unit,unit_name,kind,total,grade,rank,veto,A1,A2,A3,B1,")
    assert lines[0].endswith(",M1,M2,missing")
    gaj = lines[1].split(",")
    # 10 + 16 + 8 + 20 + 16 + 14 = 84 (see tests/cli/test_score_cli.py)
    assert gaj[:7] == ["dept-gaj", "公安局", "department", "84.00", "良好", "1", "否"]
    assert gaj[result_columns(indicator_set).index("B1")] == ""  # not the police's duty
    sfj = lines[2].split(",")
    assert sfj[6] == "是" and sfj[-1] == "A2;A3;J1"


def test_results_workbook(scored):
    indicator_set, results = scored
    book = _book(results_to_xlsx(indicator_set, results, {}))
    assert book.sheetnames == ["results", "explanations"]
    row = [cell.value for cell in book["results"][2]]
    assert row[:6] == ["dept-gaj", None, "department", 84, "良好", 1]
    formulas = {
        (r[0], r[1]): r[5] for r in book["explanations"].iter_rows(min_row=2, values_only=True)
    }
    assert formulas[("dept-gaj", "F3")] == "max(0, 20 − 2 × 3) = 14.00"
    assert formulas[("dept-sfj", "J1")] == "未填报 → 0.00"
    assert formulas[("dept-sfj", "M2")] == "是 → 一票否决"


def test_rate_cells_are_written_as_typed():
    indicator_set = load_shipped_set("zz-2011-county")
    results = score_units(
        indicator_set, [("410102", "county")], {"410102": {"D1": Rate(D(175), D(200))}}
    )
    book = _book(results_to_xlsx(indicator_set, results, {}))
    values = {r[1]: r[3] for r in book["explanations"].iter_rows(min_row=2, values_only=True)}
    assert values["D1"] == "175/200"
