"""The unit tree as a workbook (单位树 .xlsx): exported as it stands, imported all or nothing.

One row per unit: code, name, kind (its Chinese label), the parent's code, contacts, sort
order and whether it is in use. The import matches rows to units by code: a new code
creates a unit, a known one updates it (a new name is a rename, a new parent code a move;
the unit keeps its id, so its answers and results stay with it, and each change is in its
audit history). Units the file leaves out stay as they are: a workbook cut down to one
county updates that county and nothing else, and no unit is ever deleted by an import.

Every row is checked before anything is written (codes, kinds, parents in the file or the
database, townships and communities with a parent, no unit its own ancestor); any error
and nothing changes, each error with its row number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assess.core import audit
from assess.core.db import database
from assess.core.labels import UNIT_KIND_LABELS, unit_kind_label
from assess.units.models import Unit
from assess.units.tree import (
    CODE_PATTERN,
    NEEDS_PARENT,
    UNIT_AUDIT_FIELDS,
    in_tree_order,
)
from scoring import export_cells
from scoring.workbooks import UnreadableWorkbook, WorkbookTooLarge, read_sheets

COLUMNS = (
    _l("单位编码"),
    _l("单位名称"),
    _l("单位类型"),
    _l("上级单位编码"),
    _l("联系人"),
    _l("职务"),
    _l("联系电话"),
    _l("排序"),
    _l("启用"),
)
WIDTHS = (16, 28, 16, 16, 12, 18, 18, 8, 8)
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000  # a province's townships and communities
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ERRORS_SHOWN = 20
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def _yes_no(flag: bool) -> str:
    return _("是") if flag else _("否")


def tree_workbook() -> io.BytesIO:
    """Every unit in the tree's order, as the import reads it back."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("单位树")
    export_cells.append(ws, [str(c) for c in COLUMNS])
    for cell, width in zip(ws[1], WIDTHS, strict=True):
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    units = in_tree_order(Unit.select())
    code_of = {u.id: u.code for u in units}
    for u in units:
        export_cells.append(
            ws,
            [
                u.code,
                u.name,
                str(unit_kind_label(u.kind)),
                code_of.get(u.parent_id, ""),
                u.contact_person,
                u.contact_title,
                u.contact_phone,
                u.sort_order,
                _yes_no(u.active),
            ],
        )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@dataclass(frozen=True)
class UnitRow:
    number: int  # the row in the workbook, for its messages
    code: str
    name: str
    kind: str
    parent_code: str
    contact_person: str
    contact_title: str
    contact_phone: str
    sort_order: int
    active: bool


@dataclass
class TreeImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return export_cells.restore(str(value)).strip()


def _kind(text: str) -> str | None:
    """A kind from its label (县（市、区）) or its stored name (county)."""
    for kind, label in UNIT_KIND_LABELS.items():
        if text in (str(label), kind.value):
            return kind.value
    return None


def _flag(text: str) -> bool | None:
    if text in ("", _("是"), "是", "1", "true", "TRUE", "True"):
        return True
    if text in (_("否"), "否", "0", "false", "FALSE", "False"):
        return False
    return None


def _read(data: bytes) -> tuple[list[UnitRow], list[str]]:
    """The rows of an uploaded tree workbook, or the errors that refuse it."""
    if len(data) > MAX_BYTES:
        return [], [_("文件过大")]
    try:
        sheets = read_sheets(data, MAX_ROWS + 1, MAX_UNZIPPED_BYTES)
    except WorkbookTooLarge:
        return [], [_("文件过大")]
    except UnreadableWorkbook:
        return [], [_("无法读取文件：请上传由本系统导出的单位树 Excel 文件（.xlsx）")]
    sheet = next(iter(sheets.values()), [])
    header = tuple(_text(c) for c in (sheet[0] if sheet else ())[: len(COLUMNS)])
    if header != tuple(str(c) for c in COLUMNS):
        return [], [_("表头与单位树模板不一致，请先导出单位树，在其上修改后导入")]
    rows, errors = [], []
    for number, raw in enumerate(sheet[1:], start=2):
        cells = [_text(c) for c in raw[: len(COLUMNS)]] + [""] * len(COLUMNS)
        if not any(cells[: len(COLUMNS)]):
            continue
        code, name, kind_text, parent_code, person, title, phone, order, active = cells[:9]
        kind = _kind(kind_text)
        flag = _flag(active)
        problems = []
        if not CODE_PATTERN.match(code):
            problems.append(_("单位编码须为字母、数字、点、横线或下划线，且不超过32位"))
        if not name:
            problems.append(_("单位名称不能为空"))
        elif len(name) > 100:
            problems.append(_("单位名称不能超过100个字"))
        if kind is None:
            problems.append(_("未知单位类型“%(k)s”", k=kind_text))
        if flag is None:
            problems.append(_("“启用”一栏须填“是”或“否”"))
        try:
            sort_order = int(order or 0)
        except ValueError:
            problems.append(_("排序须为整数"))
            sort_order = 0
        if any(len(v) > limit for v, limit in ((person, 50), (title, 100), (phone, 50))):
            problems.append(_("联系人、职务或联系电话过长"))
        if problems:
            errors += [_("第 %(n)s 行：%(e)s", n=number, e=p) for p in problems]
            continue
        rows.append(
            UnitRow(number, code, name, kind, parent_code, person, title, phone, sort_order, flag)
        )
    return rows, errors


def _check_tree(rows: list[UnitRow], existing: dict[str, Unit]) -> list[str]:
    """Errors of the tree the rows would make over the units already there."""
    errors = []
    first_row: dict[str, int] = {}
    for row in rows:
        if row.code in first_row:
            errors.append(
                _(
                    "第 %(n)s 行：单位编码 %(c)s 与第 %(m)s 行重复",
                    n=row.number,
                    c=row.code,
                    m=first_row[row.code],
                )
            )
        first_row.setdefault(row.code, row.number)
    # The parent of every code after the import: the file's word, else the database's.
    parent_of = {code: existing_parent for code, existing_parent in _current_parents(existing)}
    known = set(existing) | set(first_row)
    for row in rows:
        if row.parent_code and row.parent_code not in known:
            errors.append(
                _("第 %(n)s 行：上级单位编码 %(p)s 不存在", n=row.number, p=row.parent_code)
            )
        if row.kind in NEEDS_PARENT and not row.parent_code:
            errors.append(
                _(
                    "第 %(n)s 行：%(kind)s须有上级单位编码",
                    n=row.number,
                    kind=unit_kind_label(row.kind),
                )
            )
        parent_of[row.code] = row.parent_code or None
    for row in rows:
        seen, node = {row.code}, parent_of.get(row.code)
        while node is not None:
            if node in seen:
                errors.append(
                    _(
                        "第 %(n)s 行：%(c)s 成了自己的上级单位（上下级循环）",
                        n=row.number,
                        c=row.code,
                    )
                )
                break
            seen.add(node)
            node = parent_of.get(node)
    return errors


def _current_parents(existing: dict[str, Unit]):
    code_of = {u.id: code for code, u in existing.items()}
    for code, unit in existing.items():
        yield code, code_of.get(unit.parent_id)


def _fields(row: UnitRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "contact_person": row.contact_person,
        "contact_title": row.contact_title,
        "contact_phone": row.contact_phone,
        "sort_order": row.sort_order,
        "active": row.active,
    }


def import_tree(data: bytes, actor) -> TreeImport:
    """Create and update the units of an uploaded tree workbook in one transaction with
    their audit entries (``unit.create``, ``unit.update`` and one ``unit.import``), or
    change nothing and return the errors by row."""
    result = TreeImport()
    rows, errors = _read(data)
    if errors or not rows:
        result.errors = (errors or [_("文件中没有单位")])[:MAX_ERRORS_SHOWN]
        return result
    with database.atomic() as txn:
        # Read and checked inside the write transaction: a unit added or moved meanwhile
        # by someone else is part of the tree these rows are checked against.
        existing = {u.code: u for u in Unit.select()}
        errors = _check_tree(rows, existing)
        if errors:
            txn.rollback()
            result.errors = errors[:MAX_ERRORS_SHOWN]
            return result
        created = []
        # Parents before children: create the new units first without parents, then set
        # every row's parent once all codes exist.
        for row in rows:
            unit = existing.get(row.code)
            if unit is None:
                unit = Unit.create(**_fields(row))
                existing[row.code] = unit
                created.append(row.code)
        for row in rows:
            unit = existing[row.code]
            parent = existing.get(row.parent_code) if row.parent_code else None
            if row.code in created:
                unit.parent = parent
                unit.save()
                after = audit.model_snapshot(unit, UNIT_AUDIT_FIELDS)
                audit.record("unit.create", "unit", unit.id, after=after, actor=actor)
                continue
            before = audit.model_snapshot(unit, UNIT_AUDIT_FIELDS)
            for name, value in _fields(row).items():
                setattr(unit, name, value)
            unit.parent = parent
            after = audit.model_snapshot(unit, UNIT_AUDIT_FIELDS)
            if after == before:
                result.unchanged += 1
                continue
            unit.save()
            audit.record("unit.update", "unit", unit.id, before=before, after=after, actor=actor)
            result.updated += 1
        result.created = len(created)
        audit.record(
            "unit.import",
            "unit",
            "",
            after={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            actor=actor,
        )
    return result
