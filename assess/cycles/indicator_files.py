"""Indicator-set files for cycles: the sets shipped in ``indicators/sets`` and uploads."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

import indicators
from assess.cycles.lifecycle import CycleError, parse_set
from scoring.loader import IndicatorSetError
from scoring.spreadsheets import set_from_xlsx

MAX_SET_BYTES = 2 * 1024 * 1024  # an indicator set is a few KB; refuse anything absurd


@dataclass(frozen=True)
class ShippedSet:
    key: str
    label: str
    path: Path


def shipped_sets() -> list[ShippedSet]:
    """Every shipped set (:func:`indicators.shipped_sets`) that validates, labelled by
    programme and year."""
    found = []
    for path in indicators.shipped_sets().values():
        try:
            parsed = parse_set(path.read_text(encoding="utf-8"), path.name)
        except CycleError:
            continue  # a broken shipped set is caught by its own test, not shown here
        label = _("%(p)s（%(y)s 年）", p=parsed.program, y=parsed.year)
        found.append(ShippedSet(path.stem, label, path))
    return found


def read_uploaded_set(upload, shipped_key: str, sets: list[ShippedSet]) -> tuple[str, str]:
    """The YAML text and a label from an upload (.yaml/.yml or .xlsx) or a shipped set."""
    if upload and getattr(upload, "filename", ""):
        name = upload.filename
        data = upload.stream.read(MAX_SET_BYTES + 1)
        if len(data) > MAX_SET_BYTES:
            raise CycleError(_("指标体系文件过大"))
        if name.lower().endswith(".xlsx"):
            return _xlsx_to_yaml(data, name), name
        try:
            return data.decode("utf-8-sig"), name
        except UnicodeDecodeError:
            raise CycleError(_("指标体系文件须为 UTF-8 编码的 YAML 或 Excel 文件")) from None
    for shipped in sets:
        if shipped.key == shipped_key:
            return shipped.path.read_text(encoding="utf-8"), shipped.path.name
    raise CycleError(_("请选择内置指标体系或上传指标体系文件"))


def _xlsx_to_yaml(data: bytes, name: str) -> str:
    """An uploaded workbook (same columns as `assess indicators export`) as YAML text."""
    from scoring.dumper import dump_indicator_set

    try:
        return dump_indicator_set(set_from_xlsx(data, name))
    except IndicatorSetError as exc:
        raise CycleError(_("指标体系文件有误"), exc.errors) from exc
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise CycleError(_("无法读取 Excel 文件：文件已损坏，或不是 Excel 工作簿")) from exc
