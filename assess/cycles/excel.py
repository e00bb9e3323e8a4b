"""Excel for units and the office: a unit's fill-in template and its all-or-nothing import,
and the results export."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assess.accounts.models import User
from assess.core.db import database
from assess.core.formatting import plain_number
from assess.cycles.models import Cycle
from assess.cycles.submissions import (
    SubmissionError,
    normalise_value,
    save_value,
    unit_items,
    value_text_from_form,
)
from assess.units.models import Unit
from scoring import export_cells
from scoring.workbooks import UnreadableWorkbook, WorkbookTooLarge, read_sheets

TEMPLATE_COLUMNS = (
    "指标编码",
    "指标名称",
    "计量方式",
    "计量单位",
    "目标值",
    "分子",
    "分母",
    "填报值",
    "情况说明",
)
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
# A unit fills a few dozen indicators. A few KB of zip can hold millions of rows (each one
# an error message in the session cookie): read at most this many, unpack at most 50 MB.
MAX_TEMPLATE_ROWS = 500
MAX_TEMPLATE_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ERRORS_SHOWN = 20
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def _measure_label(measure: str) -> str:
    return {
        "rate": _("比率（填分子、分母）"),
        "count": _("数量"),
        "amount": _("金额"),
        "grade": _("等级（优/良/中/差）"),
        "boolean": _("是/否"),
    }.get(measure, measure)


def _header(ws, columns) -> None:
    export_cells.append(ws, list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    ws.freeze_panes = "A2"


def _to_bytes(wb: Workbook) -> io.BytesIO:
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def unit_template(cycle: Cycle, unit: Unit) -> io.BytesIO:
    """The unit's fill-in workbook, pre-filled with what it has saved so far."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("自评填报")
    _header(ws, TEMPLATE_COLUMNS)
    for item in unit_items(cycle, unit):
        ind, sub = item.indicator, item.submission
        num = den = value = ""
        if sub and sub.value_text:
            if ind.measure == "rate" and "/" in sub.value_text:
                num, den = sub.value_text.split("/", 1)
            else:
                value = sub.value_text
        target = plain_number(item.target)
        export_cells.append(
            ws,
            [
                ind.code,
                ind.name,
                _measure_label(ind.measure),
                ind.unit,
                target,
                num,
                den,
                value,
                sub.narrative if sub else "",
            ],
        )
    for column, width in zip("ABCDEFGHI", (10, 40, 18, 8, 10, 10, 10, 12, 50), strict=True):
        ws.column_dimensions[column].width = width
    return _to_bytes(wb)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _lines(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def import_unit_workbook(
    cycle: Cycle, unit: Unit, data: bytes, actor: User
) -> tuple[int, list[str]]:
    """Save every row of a filled template, or none: returns (rows saved, errors by row)."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return 0, [_("文件过大")]
    try:
        sheets = read_sheets(data, MAX_TEMPLATE_ROWS + 1, MAX_TEMPLATE_UNZIPPED_BYTES)
    except WorkbookTooLarge:
        return 0, [_("文件过大")]
    except UnreadableWorkbook:
        return 0, [_("无法读取文件：请上传由本系统下载的 Excel 填报模板（.xlsx）")]
    rows = next(iter(sheets.values()), [])
    if not rows or tuple(_cell(c) for c in rows[0][: len(TEMPLATE_COLUMNS)]) != TEMPLATE_COLUMNS:
        return 0, [_("表头与填报模板不一致，请重新下载模板")]
    items = {i.indicator.code: i for i in unit_items(cycle, unit)}
    errors, seen, planned = [], set(), []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell(c) for c in row[: len(TEMPLATE_COLUMNS)]] + [""] * len(TEMPLATE_COLUMNS)
        code, num, den, value, narrative = cells[0], cells[5], cells[6], cells[7], cells[8]
        if not any(cells):
            continue
        # The narrative is saved as typed (not stripped), so the template reads back the same;
        # XML turns a browser's CRLF into LF, so an unchanged one keeps its saved line ends.
        if narrative and isinstance(row[8], str):
            narrative = row[8]
        item = items.get(code)
        if item is None:
            if not (value or num or den or narrative):
                continue  # a blank row of an indicator not this unit's: no answer (SPEC §4)
            errors.append(_("第 %(n)s 行：本单位没有指标 %(c)s", n=number, c=code or "-"))
            continue
        if item.submission and _lines(narrative) == _lines(item.submission.narrative):
            narrative = item.submission.narrative
        if code in seen:
            errors.append(_("第 %(n)s 行：指标 %(c)s 重复", n=number, c=code))
            continue
        seen.add(code)
        text = value_text_from_form(item.indicator, value, num, den)
        if not text and not narrative:
            continue
        if not item.editable:
            errors.append(_("第 %(n)s 行：指标 %(c)s 已提交，不能修改", n=number, c=code))
            continue
        try:
            normalise_value(item.indicator, text)
        except SubmissionError as exc:
            errors.append(_("第 %(n)s 行：%(e)s", n=number, e=str(exc)))
            continue
        planned.append((number, code, text, narrative, item))
    if errors:
        return 0, errors[:MAX_ERRORS_SHOWN]  # each is a flash message in the session cookie
    try:
        with database.atomic() as txn:
            for number, code, text, narrative, item in planned:
                try:
                    save_value(
                        cycle,
                        unit,
                        code,
                        text,
                        narrative,
                        item.submission.version if item.submission else 0,
                        actor,
                    )
                except SubmissionError as exc:
                    errors.append(_("第 %(n)s 行：%(e)s", n=number, e=str(exc)))
            if errors:
                txn.rollback()
                return 0, errors
    except SubmissionError as exc:
        return 0, [str(exc)]
    return len(planned), []


def results_workbook(cycle: Cycle, tables) -> io.BytesIO:
    """The published ranking, one sheet per unit kind."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(str(table.label)[:31])
        _header(
            ws,
            (
                _("名次"),
                _("单位编码"),
                _("单位名称"),
                _("总分"),
                _("等次"),
                _("一票否决"),
                _("未填报指标"),
            ),
        )
        for row in table.rows:
            export_cells.append(
                ws,
                [
                    row.rank,
                    row.unit.code,
                    row.unit.name,
                    float(row.total),
                    row.grade,
                    _("是") if row.veto else "",
                    "、".join(row.missing),
                ],
            )
    if not wb.worksheets:
        wb.create_sheet(_("结果"))
    return _to_bytes(wb)
