"""The one export helper: cells of every .xlsx and .csv the app and the commands write.

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by
Excel and LibreOffice for a formula (CSV/formula injection: ``=HYPERLINK(…)``, DDE). Any
text may come from a user (a narrative, a nominee's name, a unit's name), so every text cell
goes through here, and it stays readable:

* in .xlsx, text is an explicit string cell (``data_type="s"``), never a formula, and a
  dangerous one also gets Excel's own quote-prefix style, so it stays text when someone
  edits it in Excel; openpyxl reads back exactly what was written;
* in CSV, which has no cell types, dangerous text gets a leading apostrophe (the OWASP
  advice), and :func:`restore` takes it off again; text that already starts with an
  apostrophe before such a character gets one more, so the round trip is exact;
* numbers (``int``, ``float``, ``Decimal``) stay numbers, and so does text that is a plain
  signed decimal such as ``-3.5``.

XML cannot hold most control characters; openpyxl refuses them, so they are written as
U+FFFD rather than failing the whole download.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from scoring.values import plain_number

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"
_QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula; a plain signed decimal
    (``-3.5``) is read as the number it is, so it is left alone."""
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: an apostrophe before dangerous text."""
    if is_dangerous(text.lstrip(_QUOTE)):
        return _QUOTE + text
    return text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (text it did not change is returned as is)."""
    if text.startswith(_QUOTE) and is_dangerous(text.lstrip(_QUOTE)):
        return text[1:]
    return text


def cell_number(number: Decimal) -> int | float | str:
    """A decimal as a spreadsheet cell: a number when a float holds it exactly, else its
    plain text (which the importers read back as the same decimal)."""
    if number == number.to_integral_value() and abs(number) < 10**15:
        return int(number)
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else plain_number(number)


def put(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    """Write one .xlsx cell: a number as a number, any text as a string cell."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"
        if is_dangerous(text):
            cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.value = cell_number(value)
    else:
        cell.value = value


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Write ``values`` as the sheet's next row, each through :func:`put`."""
    empty = sheet.max_row == 1 and all(cell.value is None for cell in sheet[1])
    row = 1 if empty else sheet.max_row + 1
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    """A CSV document: the header, then every row with its text neutralised and numbers
    as plain decimals. ``bom`` puts a UTF-8 byte-order mark first, which Excel needs to
    show Chinese (every download has one; the offline commands' files keep SPEC's plain
    UTF-8, and their readers accept both)."""
    buffer = io.StringIO()
    if bom:
        buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_cell(name) for name in header])
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
