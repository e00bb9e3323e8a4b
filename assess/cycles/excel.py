"""Excel for units and the office: a unit's fill-in template and its import, and the results
export.

The template marks the rows a unit may no longer change (handed in, verified) read-only:
grey, their cells locked under sheet protection, their status in words. The import saves
the editable rows (draft, returned, never saved) all together or none of them, and lists
the locked rows it skipped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection

from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import SubmissionState
from assess.core.formatting import plain_number
from assess.core.labels import submission_state_label
from assess.cycles.ledger import LedgerView
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
# After the columns the import reads: what the unit may still do with the row. Templates
# downloaded before it existed import the same.
STATUS_COLUMN = "状态"
INPUT_COLUMNS = "FGHI"  # 分子, 分母, 填报值, 情况说明: unlocked in an editable row
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
# A unit fills a few dozen indicators. A few KB of zip can hold millions of rows (each one
# an error message in the session cookie): read at most this many, unpack at most 50 MB.
MAX_TEMPLATE_ROWS = 500
MAX_TEMPLATE_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ERRORS_SHOWN = 20
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")
_LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")
_UNLOCKED = Protection(locked=False)


@dataclass
class TemplateImport:
    """What importing a fill-in workbook did: rows saved, locked rows skipped (each as
    "code（status）"), and the errors that refused the whole import."""

    saved: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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


def _row_status(item, editable: bool) -> str:
    """The row's status as the unit reads it: 未填报, 草稿, 已退回 (with the reason) while
    it may be changed; 已提交, 已核定, or the state outside the reporting period, locked."""
    sub = item.submission
    label = submission_state_label(item.status)
    if not item.editable:
        return _("%(s)s，不能修改", s=label)
    if not editable:
        return _("%(s)s，当前不能填报", s=label)
    if sub is not None and sub.status == SubmissionState.RETURNED and sub.return_reason:
        return _("%(s)s：%(r)s", s=label, r=sub.return_reason)
    return label


def unit_template(cycle: Cycle, unit: Unit, editable: bool = True) -> io.BytesIO:
    """The unit's fill-in workbook, pre-filled with what it has saved so far. Rows it can no
    longer change (handed in, verified; every row when ``editable`` is False, e.g. the cycle
    is closed) are grey and locked by sheet protection, with their status in the last column."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("自评填报")
    _header(ws, (*TEMPLATE_COLUMNS, STATUS_COLUMN))
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
                _row_status(item, editable),
            ],
        )
        row = ws.max_row
        if editable and item.editable:
            for column in INPUT_COLUMNS:
                ws[f"{column}{row}"].protection = _UNLOCKED
        else:
            for cell in ws[row]:
                cell.fill = _LOCKED_FILL
    for column, width in zip("ABCDEFGHIJ", (10, 40, 18, 8, 10, 10, 10, 12, 50, 24), strict=True):
        ws.column_dimensions[column].width = width
    # No password: the lock only keeps a locked row from being typed over by mistake; the
    # import decides on the rows' states in the database, whatever the file says.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    return _to_bytes(wb)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _lines(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def import_unit_workbook(cycle: Cycle, unit: Unit, data: bytes, actor: User) -> TemplateImport:
    """Save the editable rows of a filled template (draft, returned, never saved) in one
    transaction, or none of them when any row is wrong (``errors``, by row); rows of items
    handed in or verified are skipped and listed (``skipped``), whatever they hold."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return TemplateImport(errors=[_("文件过大")])
    try:
        sheets = read_sheets(data, MAX_TEMPLATE_ROWS + 1, MAX_TEMPLATE_UNZIPPED_BYTES)
    except WorkbookTooLarge:
        return TemplateImport(errors=[_("文件过大")])
    except UnreadableWorkbook:
        return TemplateImport(
            errors=[_("无法读取文件：请上传由本系统下载的 Excel 填报模板（.xlsx）")]
        )
    rows = next(iter(sheets.values()), [])
    if not rows or tuple(_cell(c) for c in rows[0][: len(TEMPLATE_COLUMNS)]) != TEMPLATE_COLUMNS:
        return TemplateImport(errors=[_("表头与填报模板不一致，请重新下载模板")])
    items = {i.indicator.code: i for i in unit_items(cycle, unit)}
    result, seen, planned = TemplateImport(), set(), []
    errors = result.errors
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
        if not item.editable:
            result.skipped.append(f"{code}（{submission_state_label(item.status)}）")
            continue
        text = value_text_from_form(item.indicator, value, num, den)
        if not text and not narrative:
            continue
        try:
            normalise_value(item.indicator, text)
        except SubmissionError as exc:
            errors.append(_("第 %(n)s 行：%(e)s", n=number, e=str(exc)))
            continue
        planned.append((number, code, text, narrative, item))
    if errors:
        del errors[MAX_ERRORS_SHOWN:]  # each is a flash message in the session cookie
        return result
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
                return result
    except SubmissionError as exc:
        errors.append(str(exc))
        return result
    result.saved = len(planned)
    return result


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


def _cell_number(number: Decimal | None) -> Decimal | str:
    return "" if number is None else number


def ledger_workbook(view: LedgerView) -> io.BytesIO:
    """The ledger as the page filtered it (核减台账): its lines, the totals per unit and per
    indicator, and the trend across years, one sheet each. Reasons and names are user text,
    written through ``export_cells`` so none runs as a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("核减台账")
    _header(
        ws,
        (
            _("年度"),
            _("单位编码"),
            _("单位名称"),
            _("指标编号"),
            _("指标名称"),
            _("自评值"),
            _("核定值"),
            _("差额"),
            _("核减率（%）"),
            _("是否核减"),
            _("核定理由"),
            _("扣分"),
            _("扣分理由"),
        ),
    )
    for row in view.rows:
        line = row.line
        export_cells.append(
            ws,
            [
                row.year,
                row.unit.code,
                row.unit.name,
                row.indicator.code,
                row.indicator.name,
                row.claimed_display,
                row.verified_display,
                _cell_number(line.difference),
                _cell_number(line.rate),
                _("是") if line.reduced else _("否"),
                row.verify_reason,
                _cell_number(line.entry.deduction),
                row.deduction_reason,
            ],
        )
    totals_columns = (_("核查项数"), _("核减项数"), _("核减占比（%）"), _("扣分合计"))
    ws = wb.create_sheet(_("按单位汇总"))
    _header(ws, (_("单位编码"), _("单位名称"), *totals_columns))
    for unit, t in view.unit_totals:
        export_cells.append(
            ws, [unit.code, unit.name, t.items, t.reduced, _cell_number(t.share), t.deductions]
        )
    ws = wb.create_sheet(_("按指标汇总"))
    _header(ws, (_("指标编号"), _("指标名称"), *totals_columns, _("差额合计")))
    for row, t in view.indicator_totals:
        export_cells.append(
            ws,
            [
                row.indicator.code,
                row.indicator.name,
                t.items,
                t.reduced,
                _cell_number(t.share),
                t.deductions,
                _cell_number(t.difference),
            ],
        )
    ws = wb.create_sheet(_("历年趋势"))
    _header(ws, (_("年度"), *totals_columns))
    for year, t in view.trend:
        export_cells.append(ws, [year, t.items, t.reduced, _cell_number(t.share), t.deductions])
    return _to_bytes(wb)
