"""Reading indicator sets (SPEC §3 YAML format) into :mod:`scoring.model` objects.

:func:`parse_indicator_set` checks everything it can and reports every problem at once, each
message naming the file (and line, when read from YAML text), the indicator or category
code and the field, e.g. ``county.yaml:23: 指标 A1 的 floor：下限须低于目标值``.

YAML scalars are read as the text the author typed (``410102`` stays a unit code, ``yes``
stays a word, ``0.8`` becomes ``Decimal("0.8")`` without passing through a binary float).
Each indicator's own checks are :func:`scoring.indicator_checks.check_indicator`; writing a
set back is :mod:`scoring.dumper`; the shipped sets are found by :mod:`indicators`.

Beyond SPEC §3, an indicator of a number may bound its values with ``min:`` and ``max:``
(a rate's as a percent), e.g. ``max: 365`` for meetings held in a year; without them the
measure's default range applies (:data:`scoring.values.DEFAULT_RANGES`). Sets without them
read as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from scoring.i18n import _
from scoring.indicator_checks import check_indicator
from scoring.model import (
    GRADE_LEVELS,
    Category,
    CycleSource,
    GradeBand,
    Indicator,
    IndicatorSet,
    Tier,
)
from scoring.values import plain_number
from scoring.yaml_lines import compose, from_node, line_of, yaml_problem

TOP_FIELDS = ("program", "year", "source", "grades", "categories")
CATEGORY_FIELDS = ("code", "name", "indicators")
#: Indicator fields in the order files list them.
INDICATOR_FIELDS = (
    "code",
    "name",
    "applies_to",
    "measure",
    "unit",
    "target",
    "direction",
    "weight",
    "rule",
    "floor",
    "tiers",
    "per_item",
    "cap",
    "grade_points",
    "min",
    "max",
    "evidence",
    "source",
    "from_cycle",
)


class IndicatorSetError(ValueError):
    """An indicator set that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Report:
    """Collects messages that name the file, line, code and field."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[str] = []

    def where(self, line: int | None) -> str:
        return f"{self.filename}:{line}" if line else self.filename

    def top(self, line: int | None, field: str, message: str) -> None:
        self.errors.append(
            _(
                "%(where)s: %(field)s：%(problem)s",
                where=self.where(line),
                field=field,
                problem=message,
            )
        )

    def category(self, line: int | None, code: str, field: str, message: str) -> None:
        self.errors.append(
            _(
                "%(where)s: 分类 %(code)s 的 %(field)s：%(problem)s",
                where=self.where(line),
                code=code,
                field=field,
                problem=message,
            )
        )

    def indicator(self, line: int | None, code: str, field: str, message: str) -> None:
        self.errors.append(
            _(
                "%(where)s: 指标 %(code)s 的 %(field)s：%(problem)s",
                where=self.where(line),
                code=code,
                field=field,
                problem=message,
            )
        )


def _text(value: Any) -> str | None:
    """A scalar as text, or ``None`` when it is not a scalar."""
    if isinstance(value, (bool, dict, list)):
        return None
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    return None


def _decimal(value: Any) -> Decimal:
    """A finite decimal from YAML text or a number; raises ``ValueError``."""
    if value is None or isinstance(value, (bool, dict, list)):
        raise ValueError(_("须为数字"))
    try:
        number = Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        raise ValueError(_("“%(text)s”不是有效的数字", text=value)) from None
    if not number.is_finite():
        raise ValueError(_("“%(text)s”不是有效的数字", text=value))
    return number


class _Builder:
    """Turns loaded YAML (or an equivalent dict) into an :class:`IndicatorSet`, reporting."""

    def __init__(self, report: _Report) -> None:
        self.report = report

    def build(self, data: Any) -> IndicatorSet | None:
        report = self.report
        if not isinstance(data, dict):
            report.top(
                line_of(data), "—", _("文件须为 YAML 映射（program/year/grades/categories）")
            )
            return None
        for key in data:
            if key not in TOP_FIELDS:
                report.top(line_of(data, key), key, _("未知字段"))
        program = _text(data.get("program"))
        if not program:
            report.top(line_of(data, "program"), "program", _("须填写"))
        year = self.year(data)
        source = _text(data.get("source")) or ""
        grades = self.grades(data)
        categories = self.categories(data)
        if report.errors:
            return None
        return IndicatorSet(program or "", year or 0, source, grades, categories)

    def year(self, data: Mapping) -> int | None:
        raw = data.get("year")
        text = _text(raw)
        if text is None or not text.isdigit():
            self.report.top(line_of(data, "year"), "year", _("须为年份，如 2011"))
            return None
        return int(text)

    def grades(self, data: Mapping) -> tuple[GradeBand, ...]:
        raw = data.get("grades")
        line = line_of(data, "grades")
        if not isinstance(raw, list) or not raw:
            self.report.top(line, "grades", _("须列出等级，如 {min: 60, grade: 合格}"))
            return ()
        bands = []
        for index, item in enumerate(raw):
            item_line = line_of(raw, index) or line
            if not isinstance(item, dict) or set(item) != {"min", "grade"}:
                self.report.top(item_line, "grades", _("每个等级须有且只有 min 和 grade"))
                continue
            name = _text(item["grade"])
            try:
                minimum = _decimal(item["min"])
            except ValueError as error:
                self.report.top(item_line, "grades", str(error))
                continue
            if not name:
                self.report.top(item_line, "grades", _("等级名称须填写"))
                continue
            bands.append(GradeBand(minimum, name))
        if len(bands) == len(raw):
            mins = [band.min for band in bands]
            if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
                self.report.top(line, "grades", _("等级须按 min 从高到低排列"))
            if mins[-1] != 0:
                self.report.top(line, "grades", _("最低等级的 min 须为 0，使所有总分都有等级"))
            if len({band.grade for band in bands}) != len(bands):
                self.report.top(line, "grades", _("等级名称重复"))
        return tuple(bands)

    def categories(self, data: Mapping) -> tuple[Category, ...]:
        raw = data.get("categories")
        if not isinstance(raw, list) or not raw:
            self.report.top(line_of(data, "categories"), "categories", _("须列出至少一个分类"))
            return ()
        categories = []
        category_codes: dict[str, int | None] = {}
        indicator_codes: dict[str, int | None] = {}
        for index, item in enumerate(raw):
            line = line_of(raw, index)
            if not isinstance(item, dict):
                self.report.top(line, "categories", _("每个分类须为映射（code/name/indicators）"))
                continue
            code = _text(item.get("code")) or ""
            label = code or f"#{index + 1}"
            for key in item:
                if key not in CATEGORY_FIELDS:
                    self.report.category(line_of(item, key), label, key, _("未知字段"))
            if not code:
                self.report.category(line, label, "code", _("须填写"))
            elif code in category_codes:
                self.report.category(line, code, "code", _("分类代码重复"))
            category_codes.setdefault(code, line)
            name = _text(item.get("name"))
            if not name:
                self.report.category(line_of(item, "name"), label, "name", _("须填写"))
            raw_indicators = item.get("indicators")
            if not isinstance(raw_indicators, list) or not raw_indicators:
                self.report.category(
                    line_of(item, "indicators"), label, "indicators", _("须列出至少一个指标")
                )
                raw_indicators = []
            indicators = []
            for position, raw_indicator in enumerate(raw_indicators):
                indicator = self.indicator(
                    raw_indicator, code, line_of(raw_indicators, position), indicator_codes
                )
                if indicator is not None:
                    indicators.append(indicator)
            categories.append(Category(code, name or "", tuple(indicators)))
        return tuple(categories)

    def indicator(
        self, raw: Any, category_code: str, line: int | None, seen: dict[str, int | None]
    ) -> Indicator | None:
        report = self.report
        if not isinstance(raw, dict):
            report.category(line, category_code, "indicators", _("每个指标须为映射"))
            return None
        code = _text(raw.get("code")) or ""
        label = code or _("（分类 %(c)s 第 %(n)s 行的指标）", c=category_code, n=line or "?")
        before = len(report.errors)

        flagged: set[str] = set()

        def bad(field: str, message: str) -> None:
            flagged.add(field)
            report.indicator(line_of(raw, field) or line, label, field, message)

        for key in raw:
            if key not in INDICATOR_FIELDS:
                bad(key, _("未知字段"))
        if not code:
            bad("code", _("须填写"))
        elif code in seen:
            bad("code", _("指标代码重复（第一次出现在第 %(n)s 行）", n=seen[code] or "?"))
        else:
            seen[code] = line
        fields: dict[str, Any] = {}
        for name in ("name", "measure", "rule"):
            text = _text(raw.get(name))
            if not text:
                bad(name, _("须填写"))
            fields[name] = text or ""
        for name in ("unit", "source"):
            value = raw.get(name)
            text = "" if value is None else _text(value)
            if text is None:
                bad(name, _("须为文字"))
            fields[name] = text or ""
        direction = raw.get("direction")
        fields["direction"] = "higher" if direction is None else (_text(direction) or "")
        for name in ("applies_to", "evidence"):
            value = raw.get(name)
            if value is None:
                if name == "applies_to":
                    bad(name, _("须填写，如 [county]"))
                fields[name] = ()
                continue
            if isinstance(value, str):
                value = [value]
            texts = [_text(entry) for entry in value] if isinstance(value, list) else [None]
            if any(not entry for entry in texts):
                bad(name, _("须为文字列表"))
                texts = [entry for entry in texts if entry]
            fields[name] = tuple(texts)
        for name in ("target", "floor", "per_item", "cap"):
            value = raw.get(name)
            if value is None:
                fields[name] = None
                continue
            try:
                fields[name] = _decimal(value)
            except ValueError as error:
                bad(name, str(error))
                fields[name] = None
        for name, attribute in (("min", "min_value"), ("max", "max_value")):
            value = raw.get(name)
            fields[attribute] = None
            if value is not None:
                try:
                    fields[attribute] = _decimal(value)
                except ValueError as error:
                    bad(name, str(error))
        weight = raw.get("weight")
        fields["weight"] = Decimal(0)
        if weight is not None:
            try:
                fields["weight"] = _decimal(weight)
            except ValueError as error:
                bad("weight", str(error))
        elif fields["rule"] not in ("bonus", "veto"):
            bad("weight", _("须填写"))
        fields["tiers"] = self.tiers(raw, fields["direction"], bad)
        fields["grade_points"] = self.grade_points(raw, bad)
        fields["from_cycle"] = self.cycle_source(raw, fields["measure"], bad)
        indicator = Indicator(code=code, category_code=category_code, **fields)
        # Check the rest even when some fields were bad, to report every problem at once;
        # a field already reported is not reported again as missing.
        already = set(flagged)
        for field, message in check_indicator(indicator):
            if field not in already:
                bad(field, message)
        return indicator if len(report.errors) == before else None

    def tiers(self, raw: Mapping, direction: str, bad: Any) -> tuple[Tier, ...]:
        value = raw.get("tiers")
        if value is None:
            return ()
        if not isinstance(value, list):
            bad("tiers", _("须为分档列表，如 [{min: 95, score: 10}]"))
            return ()
        key = "max" if direction == "lower" else "min"
        tiers = []
        for position, item in enumerate(value, start=1):
            if not isinstance(item, dict) or set(item) != {key, "score"}:
                bad(
                    "tiers",
                    _(
                        "第 %(n)d 档须有且只有 %(key)s 和 score（direction %(d)s）",
                        n=position,
                        key=key,
                        d=direction,
                    ),
                )
                continue
            try:
                tiers.append(Tier(_decimal(item[key]), _decimal(item["score"])))
            except ValueError as error:
                bad("tiers", _("第 %(n)d 档：%(e)s", n=position, e=error))
        return tuple(tiers)

    def grade_points(self, raw: Mapping, bad: Any) -> tuple[tuple[str, Decimal], ...]:
        value = raw.get("grade_points")
        if value is None:
            return ()
        if not isinstance(value, dict):
            bad("grade_points", _("须为映射，如 {优: 1, 良: 0.8}"))
            return ()
        points = {}
        for level, share in value.items():
            try:
                points[str(level)] = _decimal(share)
            except ValueError as error:
                bad("grade_points", f"{level}：{error}")
        # Store in the canonical order so that equal sets compare equal.
        order = {level: position for position, level in enumerate(GRADE_LEVELS)}
        return tuple(sorted(points.items(), key=lambda item: order.get(item[0], len(order))))

    def cycle_source(self, raw: Mapping, measure: str, bad: Any) -> CycleSource | None:
        value = raw.get("from_cycle")
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) != {"share_graded"}:
            bad("from_cycle", _("须为映射 {share_graded: 等次}，如 {share_graded: 合格}"))
            return None
        grade = _text(value["share_graded"])
        if not grade:
            bad("from_cycle", _("share_graded 须填写等次，如 合格"))
            return None
        if measure != "rate":
            bad("from_cycle", _("取自考核结果的指标，计量类型须为 rate（比率）"))
            return None
        return CycleSource(grade)


def _load_yaml(text: str, report: _Report) -> Any:
    try:
        node = compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        report.top(line, "YAML", _("语法错误：%(p)s", p=yaml_problem(error)))
        return None
    if node is None:
        report.top(None, "YAML", _("文件为空"))
        return None
    duplicates: list[tuple[int, str]] = []
    data = from_node(node, duplicates)
    for line, key in duplicates:
        report.top(line, key, _("重复的键"))
    return data


def parse_indicator_set(data_or_yaml_text: Any, filename: str = "<string>") -> IndicatorSet:
    """An :class:`IndicatorSet` from YAML text or from the equivalent already-loaded data
    (a dict as ``yaml.safe_load`` or the Excel import gives).

    Raises :class:`IndicatorSetError` listing every problem, each naming ``filename``, the
    line (for YAML text), the indicator or category code and the field.
    """
    report = _Report(filename)
    data = data_or_yaml_text
    if isinstance(data, str):
        data = _load_yaml(data, report)
        if report.errors:
            raise IndicatorSetError(report.errors)
    result = _Builder(report).build(data)
    if report.errors or result is None:
        raise IndicatorSetError(report.errors)
    return result


def load_indicator_set(path: str | Path) -> IndicatorSet:
    """The indicator set in the YAML file at ``path`` (UTF-8, a byte-order mark tolerated).

    Raises :class:`IndicatorSetError` when the file is unreadable or invalid; messages name
    the file by its base name.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorSetError([_("%(f)s: 不是 UTF-8 编码的文件", f=path.name)]) from None
    except OSError as error:
        raise IndicatorSetError([f"{path.name}: {error.strerror}"]) from None
    return parse_indicator_set(text, filename=path.name)
