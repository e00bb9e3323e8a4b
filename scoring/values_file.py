"""Reading a values file (SPEC §4): ``unit_code,unit_name,unit_kind,indicator_code,value``.

Every problem is reported with the file's name and the line, one message a bad line
(``VALUES.csv:12: …``), and nothing is returned unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from scoring.i18n import _
from scoring.model import ASSESSED_KINDS, IndicatorSet
from scoring.values import Value, parser_for

COLUMNS = ("unit_code", "unit_name", "unit_kind", "indicator_code", "value")


class ValuesFileError(ValueError):
    """A values file that cannot be scored; ``errors`` holds one message per bad line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ValuesTable:
    """The units of a values file in the order they first appear, their names, and their
    parsed values by unit code and indicator code."""

    units: list[tuple[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Value]] = field(default_factory=dict)


def read_values_file(path: str | Path, indicator_set: IndicatorSet) -> ValuesTable:
    """The values in the CSV file at ``path``, checked against ``indicator_set``.

    UTF-8, with or without a byte-order mark; messages name the file by its base name.
    See :func:`parse_values` for what is refused.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ValuesFileError(
            [_("%(f)s:%(n)d: 不是 UTF-8 编码（请另存为“CSV UTF-8”）", f=path.name, n=line)]
        ) from None
    return parse_values(text, indicator_set, path.name)


def parse_values(text: str, indicator_set: IndicatorSet, filename: str) -> ValuesTable:
    """The values in CSV ``text`` (header row first), checked against ``indicator_set``.

    Refuses, one message per bad line: a missing column, an empty unit code, an unknown unit
    kind, a unit whose kind or name differs from its first row, an unknown indicator, an
    indicator that does not apply to the unit, a second row for the same unit and
    indicator, and a value its measure cannot take (bad number, numerator above
    denominator, negative, not 是/否, not 优/良/中/差). An empty value means not reported
    (未填报). Raises :class:`ValuesFileError` listing them all; an empty file is refused too.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []

    def bad(line: int, message: str) -> None:
        errors.append(f"{filename}:{line}: {message}")

    header = next(reader, None)
    if header is None:
        raise ValuesFileError([_("%(f)s:1: 文件为空", f=filename)])
    names = [cell.strip().lstrip("\ufeff") for cell in header]
    absent = [column for column in COLUMNS if column not in names]
    if absent:
        raise ValuesFileError(
            [
                _(
                    "%(f)s:1: 缺少列 %(cols)s（表头须为 %(all)s）",
                    f=filename,
                    cols=", ".join(absent),
                    all=",".join(COLUMNS),
                )
            ]
        )
    index = {column: names.index(column) for column in COLUMNS}

    table = ValuesTable()
    kinds: dict[str, tuple[str, int]] = {}
    seen: dict[tuple[str, str], int] = {}
    parsers = {}
    applicable: dict[tuple[str, str], frozenset[str]] = {}
    rows = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        cells = {
            column: (row[position].strip() if position < len(row) else "")
            for column, position in index.items()
        }
        unit, kind, code = cells["unit_code"], cells["unit_kind"], cells["indicator_code"]
        if not unit:
            bad(line, _("缺少 unit_code"))
            continue
        if kind not in ASSESSED_KINDS:
            bad(
                line,
                _("未知单位类型“%(k)s”（可用 %(all)s）", k=kind, all="/".join(ASSESSED_KINDS)),
            )
            continue
        first = kinds.get(unit)
        if first is None:
            kinds[unit] = (kind, line)
            table.units.append((unit, kind))
            table.names[unit] = cells["unit_name"]
            table.values[unit] = {}
        else:
            if first[0] != kind:
                bad(
                    line,
                    _(
                        "单位 %(u)s 的类型 %(k)s 与第 %(n)d 行的 %(first)s 不一致",
                        u=unit,
                        k=kind,
                        n=first[1],
                        first=first[0],
                    ),
                )
                continue
            if cells["unit_name"] and cells["unit_name"] != table.names[unit]:
                if table.names[unit]:
                    bad(
                        line,
                        _(
                            "单位 %(u)s 的名称“%(name)s”与第 %(n)d 行的“%(first)s”不一致",
                            u=unit,
                            name=cells["unit_name"],
                            n=first[1],
                            first=table.names[unit],
                        ),
                    )
                    continue
                table.names[unit] = cells["unit_name"]
        try:
            indicator = indicator_set.indicator(code)
        except KeyError:
            bad(line, _("未知指标 %(code)s", code=code or "（空）"))
            continue
        key = (unit, kind)
        codes = applicable.get(key)
        if codes is None:
            codes = applicable[key] = frozenset(
                i.code for i in indicator_set.applicable(unit, kind)
            )
        if code not in codes:
            if not cells["value"]:
                # A full unit × indicator grid from Excel has a cell for every pair: the
                # blank ones of indicators that do not apply are no answer (SPEC §4).
                continue
            bad(
                line,
                _(
                    "指标 %(code)s 不适用于单位 %(u)s（%(k)s）",
                    code=code,
                    u=unit,
                    k=kind,
                ),
            )
            continue
        previous = seen.get((unit, code))
        if previous is not None:
            bad(
                line,
                _(
                    "重复：单位 %(u)s 的指标 %(code)s 已在第 %(n)d 行填报",
                    u=unit,
                    code=code,
                    n=previous,
                ),
            )
            continue
        seen[(unit, code)] = line
        text_value = cells["value"]
        if not text_value:
            continue  # 未填报: scored as missing
        parse = parsers.get(code)
        if parse is None:
            parse = parsers[code] = parser_for(indicator)
        try:
            table.values[unit][code] = parse(text_value)
        except ValueError as error:
            bad(line, _("指标 %(code)s 的值“%(v)s”：%(e)s", code=code, v=text_value, e=error))
    if not rows and not errors:
        errors.append(_("%(f)s: 没有数据行", f=filename))
    if errors:
        raise ValuesFileError(errors)
    return table
