"""Indicator sets and results as spreadsheets (.xlsx, and .csv for results).

An indicator set's workbook has the YAML file's columns (SPEC §3), so the office can edit
weights and targets in Excel and import the set back without loss:

* sheet 基本信息 (``set``): rows 考核名称, 年度, 文件依据 (``program``, ``year``, ``source``;
  name in column A, value in B);
* sheet 等级 (``grades``): columns 最低分, 等级 (``min``, ``grade``);
* sheet 指标 (``indicators``): 分类代码, 分类名称 (``category_code``, ``category_name``), then
  every indicator field under its Chinese header (:data:`HEADERS`).

The workbook is written with the Chinese names a person reads; the import takes either
those or the YAML names (older exports, hand-made workbooks), sheet by sheet and column by
column. The names are part of the file format, so they are fixed text, not translated.
  Lists and mappings are written in YAML flow syntax (``[county, 410102]``,
  ``[{min: 95, score: 10}]``, ``{优: 1, 良: 0.8}``); on import, a list may also be typed
  as plain text separated by commas or 、.

Numbers are numeric cells; one that a spreadsheet's binary float cannot hold exactly is
written as text, which the import reads back as the same decimal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scoring.dumper import indicator_to_dict
from scoring.engine import UnitResult
from scoring.export_cells import csv_text, put
from scoring.i18n import _
from scoring.loader import INDICATOR_FIELDS, IndicatorSetError, parse_indicator_set
from scoring.model import IndicatorSet
from scoring.values import format_value, plain_number
from scoring.workbooks import UnreadableWorkbook, WorkbookTooLarge, read_sheets
from scoring.yaml_lines import parse_flow

SET_SHEET, GRADES_SHEET, INDICATORS_SHEET = "set", "grades", "indicators"
INDICATOR_COLUMNS = ("category_code", "category_name", *INDICATOR_FIELDS)
SET_ROWS = ("program", "year", "source")
GRADE_COLUMNS = ("min", "grade")
#: The Chinese name of each sheet and column of an indicator set's workbook.
HEADERS: dict[str, str] = {
    SET_SHEET: "基本信息",
    GRADES_SHEET: "等级",
    INDICATORS_SHEET: "指标",
    "program": "考核名称",
    "year": "年度",
    "source": "文件依据",
    "min": "最低分",
    "grade": "等级",
    "category_code": "分类代码",
    "category_name": "分类名称",
    "code": "指标代码",
    "name": "指标名称",
    "applies_to": "适用单位",
    "measure": "计量类型",
    "unit": "计量单位",
    "target": "目标值",
    "direction": "方向",
    "weight": "权重",
    "rule": "评分规则",
    "floor": "下限",
    "tiers": "分档",
    "per_item": "每项分值",
    "cap": "加分上限",
    "grade_points": "等级折算",
    "evidence": "佐证材料",
    "source_clause": "依据条款",
    "from_cycle": "取数来源",
}
# An indicator's ``source`` is its clause; the set's ``source`` is the issuing document.
_INDICATOR_HEADERS = {name: HEADERS.get(name) for name in INDICATOR_COLUMNS} | {
    "source": HEADERS["source_clause"],
    # An indicator's bounds on what may be entered; not the grade table's 最低分 ("min").
    "min": "取值下限",
    "max": "取值上限",
}
LIST_FIELDS = ("applies_to", "evidence")
FLOW_FIELDS = ("applies_to", "evidence", "tiers", "grade_points", "from_cycle")
NUMBER_FIELDS = ("target", "weight", "floor", "per_item", "cap", "min", "max")
_LIST_SEPARATORS = re.compile(r"[,，、;；]")


# --- Writing ----------------------------------------------------------------------------


def _flow(value: Any) -> str:
    """A list or mapping (of strings and Decimals) in YAML flow syntax, on one line."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return plain_number(value)
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=1 << 30)
    return dumped.strip()[1:-1]


def _header(
    sheet: Worksheet,
    names: Sequence[str],
    widths: Mapping[str, int],
    titles: Mapping[str, str | None] | None = None,
) -> None:
    for column, name in enumerate(names, start=1):
        put(sheet, 1, column, (titles or {}).get(name) or name)
        sheet.cell(row=1, column=column).font = Font(bold=True)
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = widths.get(name, 12)
    sheet.freeze_panes = "A2"


def set_to_xlsx(indicator_set: IndicatorSet) -> bytes:
    """The set as an .xlsx workbook (see the module docstring for its layout)."""
    book = openpyxl.Workbook()
    meta = book.active
    meta.title = HEADERS[SET_SHEET]
    for row, (name, value) in enumerate(
        (
            ("program", indicator_set.program),
            ("year", indicator_set.year),
            ("source", indicator_set.source),
        ),
        start=1,
    ):
        put(meta, row, 1, HEADERS[name])
        put(meta, row, 2, value)
    meta.column_dimensions["A"].width = 12
    meta.column_dimensions["B"].width = 60

    grades = book.create_sheet(HEADERS[GRADES_SHEET])
    _header(grades, GRADE_COLUMNS, {}, HEADERS)
    for row, band in enumerate(indicator_set.grades, start=2):
        put(grades, row, 1, band.min)
        put(grades, row, 2, band.grade)

    sheet = book.create_sheet(HEADERS[INDICATORS_SHEET])
    _header(
        sheet,
        INDICATOR_COLUMNS,
        {
            "category_name": 16,
            "name": 48,
            "applies_to": 24,
            "tiers": 36,
            "evidence": 30,
            "source": 30,
        },
        _INDICATOR_HEADERS,
    )
    row = 2
    for category in indicator_set.categories:
        for indicator in category.indicators:
            fields = indicator_to_dict(indicator)
            fields["category_code"] = category.code
            fields["category_name"] = category.name
            for column, name in enumerate(INDICATOR_COLUMNS, start=1):
                value = fields.get(name)
                if name in FLOW_FIELDS and value is not None:
                    value = _flow(value)
                put(sheet, row, column, value)
            row += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Reading ----------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    """A cell's value as the loader takes it: text, or a Decimal for a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        return number.to_integral_value() if number == number.to_integral_value() else number
    text = str(value).strip()
    return text or None


def _flow_value(text: str, field: str) -> Any:
    """A list or mapping typed in a cell; raises ``ValueError`` when it cannot be read."""
    if field in LIST_FIELDS and not text.startswith("["):
        return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]
    return parse_flow(text)


def set_from_xlsx(source: bytes | str | Path, filename: str | None = None) -> IndicatorSet:
    """The indicator set in an .xlsx workbook laid out as :func:`set_to_xlsx` writes it.

    ``filename`` names the file in messages (default: the path's base name). Raises
    :class:`~scoring.loader.IndicatorSetError` listing every problem, sheet and row
    included where the workbook itself is at fault.
    """
    if isinstance(source, bytes):
        name = filename or "<xlsx>"
        raw = source
    else:
        name = filename or Path(source).name
        try:
            raw = Path(source).read_bytes()
        except OSError as error:
            raise IndicatorSetError(
                [_("%(f)s: 不是可读取的 .xlsx 文件（%(e)s）", f=name, e=error)]
            ) from None
    try:
        book = read_sheets(raw)
    except WorkbookTooLarge:
        raise IndicatorSetError(
            [_("%(f)s: 不是可读取的 .xlsx 文件（解压后过大）", f=name)]
        ) from None
    except UnreadableWorkbook:
        # The parser's own detail is English and about zip or XML internals: not for users.
        raise IndicatorSetError(
            [_("%(f)s: 不是可读取的 .xlsx 文件（文件已损坏，或不是 Excel 工作簿）", f=name)]
        ) from None
    errors: list[str] = []

    def where(sheet: str, row: int, field: str, problem: str) -> None:
        errors.append(
            _(
                "%(f)s: 工作表 %(s)s 第 %(r)d 行 %(field)s：%(p)s",
                f=name,
                s=sheet,
                r=row,
                field=field,
                p=problem,
            )
        )

    sheets: dict[str, tuple[str, Sequence[tuple[Any, ...]]]] = {}
    for sheet in (SET_SHEET, GRADES_SHEET, INDICATORS_SHEET):
        title = next((t for t in (HEADERS[sheet], sheet) if t in book), None)
        if title is None:
            errors.append(_("%(f)s: 缺少工作表 %(s)s", f=name, s=HEADERS[sheet]))
        else:
            sheets[sheet] = (title, book[title])
    if errors:
        raise IndicatorSetError(errors)

    data: dict[str, Any] = {}
    set_title, set_rows = sheets[SET_SHEET]
    set_names = _names(SET_ROWS, HEADERS)
    for row_number, row in enumerate(set_rows, start=1):
        if not row or row[0] is None:
            continue
        typed = str(row[0]).strip()
        key = set_names.get(typed)
        value = _cell_text(row[1] if len(row) > 1 else None)
        if key is None:
            where(set_title, row_number, typed, _("未知字段"))
            continue
        data[key] = value if key != "year" or value is None else str(value)

    grades_title, grade_rows = sheets[GRADES_SHEET]
    data["grades"] = [
        {key: _cell_text(cell) for key, cell in record.items()}
        for _row, record in _records(
            grade_rows, _names(GRADE_COLUMNS, HEADERS), grades_title, where
        )
    ]

    categories: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    indicators_title, indicator_rows = sheets[INDICATORS_SHEET]
    indicator_names = _names(INDICATOR_COLUMNS, _INDICATOR_HEADERS)
    for row_number, record in _records(indicator_rows, indicator_names, indicators_title, where):
        indicator: dict[str, Any] = {}
        for field in INDICATOR_FIELDS:
            value = _cell_text(record.get(field))
            if value is None:
                continue
            if field in FLOW_FIELDS:
                try:
                    value = _flow_value(str(value), field)
                except ValueError as problem:
                    where(indicators_title, row_number, _INDICATOR_HEADERS[field], str(problem))
                    continue
            indicator[field] = value
        code = _cell_text(record.get("category_code"))
        code = "" if code is None else plain_number(code) if isinstance(code, Decimal) else code
        category = by_code.get(code)
        if category is None:
            category = by_code[code] = {
                "code": code,
                "name": _cell_text(record.get("category_name")),
                "indicators": [],
            }
            categories.append(category)
        category["indicators"].append(indicator)
    data["categories"] = categories
    if errors:
        raise IndicatorSetError(errors)
    return parse_indicator_set(data, name)


def _names(fields: Sequence[str], titles: Mapping[str, str | None]) -> dict[str, str]:
    """Each name a workbook may use for ``fields`` (its Chinese title or the YAML name) →
    the field."""
    names = {field: field for field in fields}
    names.update({titles[field]: field for field in fields if titles.get(field)})
    return names


def _records(
    rows: Sequence[tuple[Any, ...]], columns: Mapping[str, str], sheet_name: str, where: Any
) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's non-empty rows, with their row numbers, as dicts keyed by field (the
    header row's names through ``columns``); reports a header name not in ``columns``."""
    header = rows[0] if rows else ()
    typed = [None if cell is None else str(cell).strip() for cell in header]
    for name in typed:
        if name is not None and name not in columns:
            where(sheet_name, 1, name, _("未知列"))
    names = [columns.get(name) if name else None for name in typed]
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if any(cell is not None for cell in row):
            fields = {name: cell for name, cell in zip(names, row, strict=False) if name}
            records.append((number, fields))
    return records


# --- Results ----------------------------------------------------------------------------


def result_columns(indicator_set: IndicatorSet) -> list[str]:
    """The columns of a results table: the unit, its total, grade, rank and veto, one column
    per indicator code, and the missing indicators."""
    codes = [indicator.code for indicator in indicator_set.indicators()]
    return ["unit", "unit_name", "kind", "total", "grade", "rank", "veto", *codes, "missing"]


def result_rows(
    indicator_set: IndicatorSet, results: Iterable[UnitResult], names: Mapping[str, str]
) -> list[list[Any]]:
    """One row per result in :func:`result_columns` order: numbers as 2-decimal Decimals,
    veto as 是/否, an indicator that does not apply to the unit left empty."""
    codes = [indicator.code for indicator in indicator_set.indicators()]
    rows = []
    for result in results:
        scores = result.scores
        rows.append(
            [
                result.unit,
                names.get(result.unit, ""),
                result.kind,
                result.total,
                result.grade,
                result.rank,
                "是" if result.veto else "否",
                *(scores[code].score if code in scores else None for code in codes),
                ";".join(result.missing),
            ]
        )
    return rows


def results_to_csv(
    indicator_set: IndicatorSet, results: Iterable[UnitResult], names: Mapping[str, str]
) -> str:
    """The results table as CSV text (numbers with 2 decimals)."""
    return csv_text(result_columns(indicator_set), result_rows(indicator_set, results, names))


def results_to_xlsx(
    indicator_set: IndicatorSet, results: Sequence[UnitResult], names: Mapping[str, str]
) -> bytes:
    """The results table as an .xlsx workbook: sheet ``results`` with the table, and sheet
    ``explanations`` with every score's formula and policy clause (得分依据)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "results"
    columns = result_columns(indicator_set)
    _header(sheet, columns, {"unit_name": 20, "missing": 20})
    for row_number, row in enumerate(result_rows(indicator_set, results, names), start=2):
        for column, value in enumerate(row, start=1):
            put(sheet, row_number, column, value)
            if isinstance(value, Decimal):
                sheet.cell(row=row_number, column=column).number_format = "0.00"

    explanations = book.create_sheet("explanations")
    _header(
        explanations,
        ("unit", "indicator", "name", "value", "score", "formula", "source"),
        {"name": 40, "formula": 44, "source": 30},
    )
    row_number = 2
    for result in results:
        for code in result.scores:
            item = result.scores[code]
            explanation = item.explanation
            value = "" if item.value is None else format_value(item.value)
            for column, cell in enumerate(
                (
                    result.unit,
                    code,
                    item.indicator.name,
                    value,
                    item.score,
                    explanation.formula,
                    explanation.source,
                ),
                start=1,
            ):
                put(explanations, row_number, column, cell)
            row_number += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
