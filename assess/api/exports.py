"""A list the API returns as the table an analyst opens: CSV or .xlsx.

One row per item, one column per field, named as in the JSON (a program maps the export
and the JSON with the same names). Nested objects become ``parent.field`` columns; a list of
objects that carry a ``code`` (a result's per-indicator scores) becomes ``<code>.field``
columns, so a unit's result stays one row. Every cell goes through ``scoring.export_cells``,
the one helper that keeps user text from running as a formula. Nothing here reads the
request.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, fields
from openpyxl import Workbook

from scoring import export_cells
from scoring.export_cells import csv_text

#: The field metadata that marks a decimal sent as text (``"92.50"``): a number in .xlsx.
DECIMAL_FORMAT = "decimal"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A fixed workbook date, so the same list gives the same file (and the same ETag).
_WORKBOOK_DATE = datetime(2000, 1, 1)


def _cells(
    schema: Schema, item: dict, prefix: str = "", omit: str = ""
) -> Iterator[tuple[str, Any]]:
    for name, field in schema.fields.items():
        if name == omit:
            continue
        value = item.get(name)
        column = prefix + name
        if isinstance(field, fields.Nested):
            yield from _cells(field.schema, value or {}, column + ".")
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            for index, entry in enumerate(value or [], start=1):
                key = entry.get("code") or str(index)
                yield from _cells(field.inner.schema, entry, f"{prefix}{key}.", omit="code")
        elif isinstance(field, fields.List):
            yield column, "; ".join(str(v) for v in value or [])
        elif field.metadata.get("format") == DECIMAL_FORMAT and value is not None:
            try:
                yield column, Decimal(value)
            except InvalidOperation:
                yield column, value
        else:
            yield column, value


def table(item_schema: Schema, items: list[dict]) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of ``items`` (serialised by ``item_schema``): the columns in the
    order they first appear, a blank where an item has no such column."""
    header: dict[str, None] = {}
    flat = []
    for item in items:
        cells = dict(_cells(item_schema, item))
        header.update(dict.fromkeys(cells))
        flat.append(cells)
    columns = list(header)
    return columns, [[cells.get(c) for c in columns] for cells in flat]


def as_csv(item_schema: Schema, items: list[dict]) -> bytes:
    """The list as UTF-8 CSV with a byte-order mark (Excel needs it to show Chinese)."""
    columns, rows = table(item_schema, items)
    return csv_text(columns, rows, bom=True).encode("utf-8")


def as_xlsx(item_schema: Schema, items: list[dict], title: str) -> bytes:
    """The list as a one-sheet workbook: decimals as numbers, text as text cells."""
    columns, rows = table(item_schema, items)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit for a sheet name
    export_cells.append(sheet, columns)
    for row in rows:
        export_cells.append(sheet, row)
    sheet.freeze_panes = "A2"
    workbook.properties.created = workbook.properties.modified = _WORKBOOK_DATE
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
