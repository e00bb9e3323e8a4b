"""Reading an uploaded .xlsx: every parser failure becomes one :class:`UnreadableWorkbook`.

An upload may be anything: not a zip, a zip without a workbook, broken XML, a DTD with
entities (billion laughs, external entities) or a zip bomb. openpyxl parses through
defusedxml (a dependency, so ``openpyxl.DEFUSEDXML`` is true), which refuses DTD entities
whatever the installed expat does; openpyxl itself raises a dozen exception types, some
only while rows are read. So the rows are read here, in full, inside one ``try``, and the
importers get either the rows or one error they can turn into a message.
"""

from __future__ import annotations

import io
import zipfile
from itertools import islice
from typing import Any

import openpyxl

#: Indicator sets and fill-in templates unpack to a few hundred KB.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024


class UnreadableWorkbook(ValueError):
    """The data is not a workbook that can be read; ``str()`` is the parser's detail."""


class WorkbookTooLarge(UnreadableWorkbook):
    """The workbook unpacks to more than allowed, or has more rows than asked for."""


def read_sheets(
    data: bytes, max_rows: int | None = None, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's rows as tuples of cell values (a formula's cached result, not the
    formula), by sheet name in workbook order.

    Raises :class:`WorkbookTooLarge` when the archive unpacks beyond ``max_unzipped_bytes``
    or a sheet has more than ``max_rows`` rows, and :class:`UnreadableWorkbook` for any
    other reason the file cannot be read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > max_unzipped_bytes:
            raise WorkbookTooLarge(f"unpacks to {unpacked} bytes")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = {}
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True)
                limit = None if max_rows is None else max_rows + 1
                sheets[sheet.title] = list(islice(rows, limit))
                if max_rows is not None and len(sheets[sheet.title]) > max_rows:
                    raise WorkbookTooLarge(f"more than {max_rows} rows")
        finally:
            book.close()
    except UnreadableWorkbook:
        raise
    # A hostile file can make openpyxl, zipfile, the XML parser or defusedxml fail in many
    # ways (BadZipFile, KeyError, ParseError, EntitiesForbidden, TypeError on a bad
    # attribute …): at this boundary every one of them means "not a readable workbook".
    except Exception as error:
        raise UnreadableWorkbook(f"{type(error).__name__}: {error}") from None
    return sheets
