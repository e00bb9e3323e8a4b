"""Reading, validating and writing indicator sets (SPEC §3 YAML format).

:func:`parse_indicator_set` checks everything it can and reports every problem at once, each
message naming the file (and line, when read from YAML text), the indicator or category
code and the field, e.g. ``county.yaml:23: 指标 A1 的 floor：下限须低于目标值``.

YAML scalars are read as the text the author typed (``410102`` stays a unit code, ``yes``
stays a word, ``0.8`` becomes ``Decimal("0.8")`` without passing through a binary float).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from scoring.i18n import _
from scoring.model import (
    ASSESSED_KINDS,
    DIRECTIONS,
    GRADE_LEVELS,
    MEASURES,
    Category,
    GradeBand,
    Indicator,
    IndicatorSet,
    Tier,
)
from scoring.rules import RULES
from scoring.values import plain_number

HUNDRED = Decimal(100)

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
    "evidence",
    "source",
)
#: Which rules may use a parameter; anything else with it set is a mistake in the file.
PARAMETER_RULES = {
    "floor": ("linear",),
    "tiers": ("tiered",),
    "per_item": ("deduct", "bonus"),
    "cap": ("bonus",),
    "grade_points": ("grade",),
}


class IndicatorSetError(ValueError):
    """An indicator set that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


# --- YAML with line numbers --------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers the line of each key."""

    line: int | None = None
    lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers the line of each item."""

    line: int | None = None
    lines: list[int]


def _from_node(node: yaml.Node, duplicates: list[tuple[int, str]]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        # Quoted scalars resolve to str, so only a plain null, ~ or nothing is None.
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        seq = _Seq(_from_node(item, duplicates) for item in node.value)
        seq.line, seq.lines = line, [item.start_mark.line + 1 for item in node.value]
        return seq
    mapping = _Map()
    mapping.line, mapping.lines = line, {}
    for key_node, value_node in node.value:
        key = str(_from_node(key_node, duplicates))
        if key in mapping:
            duplicates.append((key_node.start_mark.line + 1, key))
        mapping[key] = _from_node(value_node, duplicates)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def _without_lines(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_lines(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_without_lines(item) for item in data]
    return data


def parse_flow(text: str) -> Any:
    """A YAML fragment such as ``[county, 410102]`` or ``{优: 1, 良: 0.8}`` as plain lists,
    dicts and text scalars (numbers left as typed, for the set's own checks); ``None`` for
    an empty fragment. Raises ``ValueError`` when the text is not YAML."""
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(_("无法读取：%(p)s", p=problem)) from None
    return None if node is None else _without_lines(_from_node(node, []))


def _line(container: Any, key: Any = None) -> int | None:
    if isinstance(container, _Map):
        return container.lines.get(key, container.line) if key is not None else container.line
    if isinstance(container, _Seq):
        if isinstance(key, int) and key < len(container.lines):
            return container.lines[key]
        return container.line
    return None


# --- Validation -------------------------------------------------------------------------


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


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _is_unit_code(entry: str) -> bool:
    # A unit code has a digit or a hyphen (410102, dept-gaj, zz-zdxq); a bare word that is
    # not a unit kind is far more likely a misspelt kind than a code.
    return any(ch.isdigit() or ch == "-" for ch in entry)


def check_indicator(indicator: Indicator) -> list[tuple[str, str]]:
    """The problems of one indicator as ``(field, message)`` pairs; empty when it is valid.

    Checks the rule against the measure and direction, the fields each rule requires and
    those it does not use, weights (> 0 with at most 2 decimals; 0 for bonus and veto),
    floor against target, tier order, rate bounds, grade points and ``applies_to``.
    """
    problems: list[tuple[str, str]] = []
    add = problems.append
    if not indicator.applies_to:
        add(("applies_to", _("至少列出一个单位类型或单位代码")))
    for entry in indicator.applies_to:
        if entry not in ASSESSED_KINDS and not _is_unit_code(entry):
            add(
                (
                    "applies_to",
                    _(
                        "未知单位类型“%(entry)s”（可用 %(kinds)s，或含数字/连字符的单位代码）",
                        entry=entry,
                        kinds="/".join(ASSESSED_KINDS),
                    ),
                )
            )
    if indicator.measure not in MEASURES:
        add(
            (
                "measure",
                _(
                    "未知计量方式“%(m)s”（可用 %(all)s）",
                    m=indicator.measure,
                    all="/".join(MEASURES),
                ),
            )
        )
    if indicator.direction not in DIRECTIONS:
        add(("direction", _("未知方向“%(d)s”（可用 higher/lower）", d=indicator.direction)))
    rule_function = RULES.get(indicator.rule)
    if rule_function is None:
        add(
            (
                "rule",
                _("未知评分规则“%(r)s”（可用 %(all)s）", r=indicator.rule, all="/".join(RULES)),
            )
        )
        return problems
    rule = indicator.rule
    if indicator.measure in MEASURES and indicator.measure not in rule_function.measures:
        add(
            (
                "measure",
                _(
                    "规则 %(rule)s 不适用于 %(m)s 类指标（可用 %(all)s）",
                    rule=rule,
                    m=indicator.measure,
                    all="/".join(rule_function.measures),
                ),
            )
        )
    lower = indicator.direction == "lower"
    if lower and not rule_function.directional:
        add(("direction", _("规则 %(rule)s 不区分方向，不能设 lower", rule=rule)))

    for name in rule_function.requires:
        if name == "target" and indicator.measure == "boolean":
            continue
        if getattr(indicator, name) in (None, ()):
            add((name, _("规则 %(rule)s 须填写此字段", rule=rule)))
    for name, rules in PARAMETER_RULES.items():
        if getattr(indicator, name) not in (None, ()) and rule not in rules:
            add((name, _("规则 %(rule)s 不使用此字段", rule=rule)))
    if indicator.target is not None and indicator.measure in ("boolean", "grade"):
        add(("target", _("%(m)s 类指标不设目标值", m=indicator.measure)))

    # Weights.
    weight = indicator.weight
    if indicator.is_base:
        if weight <= 0:
            add(("weight", _("权重须大于 0")))
        elif _places(weight) > 2:
            add(("weight", _("权重最多两位小数")))
    elif weight != 0:
        add(("weight", _("加分项和一票否决项的权重须为 0")))

    # Bounds of numbers.
    rate = indicator.measure == "rate"
    for name in ("target", "floor"):
        number = getattr(indicator, name)
        if number is None:
            continue
        if number < 0:
            add((name, _("不能为负数")))
        elif rate and number > HUNDRED:
            add((name, _("比率不能超过 100")))
    if indicator.per_item is not None and indicator.per_item <= 0:
        add(("per_item", _("须大于 0")))
    if indicator.cap is not None:
        if indicator.cap <= 0:
            add(("cap", _("须大于 0")))
        elif _places(indicator.cap) > 2:
            add(("cap", _("最多两位小数")))

    target, floor = indicator.target, indicator.floor
    if rule == "ratio" and target is not None and target <= 0:
        add(("target", _("完成率规则的目标值须大于 0")))
    if rule == "linear" and target is not None and floor is not None:
        if not lower and floor >= target:
            add(
                (
                    "floor",
                    _(
                        "下限 %(f)s 须低于目标值 %(t)s",
                        f=plain_number(floor),
                        t=plain_number(target),
                    ),
                )
            )
        if lower and floor <= target:
            add(
                (
                    "floor",
                    _(
                        "direction lower 时下限 %(f)s 须高于目标值 %(t)s",
                        f=plain_number(floor),
                        t=plain_number(target),
                    ),
                )
            )

    if indicator.tiers:
        bounds = [tier.bound for tier in indicator.tiers]
        scores = [tier.score for tier in indicator.tiers]
        ordered = all(a < b for a, b in zip(bounds, bounds[1:], strict=False))
        if not lower:
            ordered = all(a > b for a, b in zip(bounds, bounds[1:], strict=False))
        if not ordered:
            add(
                (
                    "tiers",
                    _("分档须按 max 从小到大排列") if lower else _("分档须按 min 从大到小排列"),
                )
            )
        # A later (lower) tier paying more would make the score fall as the value improves.
        if any(a < b for a, b in zip(scores, scores[1:], strict=False)):
            add(("tiers", _("靠后的分档得分不能高于靠前的分档")))
        for position, tier in enumerate(indicator.tiers, start=1):
            if tier.score < 0 or (indicator.is_base and tier.score > weight):
                add(("tiers", _("第 %(n)d 档得分须在 0 到权重之间", n=position)))
            elif _places(tier.score) > 2:
                add(("tiers", _("第 %(n)d 档得分最多两位小数", n=position)))
            if tier.bound < 0 or (rate and tier.bound > HUNDRED):
                add(("tiers", _("第 %(n)d 档界限超出范围", n=position)))

    if indicator.grade_points:
        for level, share in indicator.grade_points:
            if level not in GRADE_LEVELS:
                add(("grade_points", _("未知评价等级“%(g)s”（可用 优/良/中/差）", g=level)))
            elif not Decimal(0) <= share <= 1:
                add(("grade_points", _("%(g)s 的分值须在 0 到 1 之间", g=level)))
        merged = indicator.points()
        shares = [merged[level] for level in GRADE_LEVELS]
        if any(a < b for a, b in zip(shares, shares[1:], strict=False)):
            add(("grade_points", _("须满足 优 ≥ 良 ≥ 中 ≥ 差")))
    return problems


# --- Parsing ----------------------------------------------------------------------------


class _Builder:
    """Turns loaded YAML (or an equivalent dict) into an :class:`IndicatorSet`, reporting."""

    def __init__(self, report: _Report) -> None:
        self.report = report

    def build(self, data: Any) -> IndicatorSet | None:
        report = self.report
        if not isinstance(data, dict):
            report.top(_line(data), "—", _("文件须为 YAML 映射（program/year/grades/categories）"))
            return None
        for key in data:
            if key not in TOP_FIELDS:
                report.top(_line(data, key), key, _("未知字段"))
        program = _text(data.get("program"))
        if not program:
            report.top(_line(data, "program"), "program", _("须填写"))
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
            self.report.top(_line(data, "year"), "year", _("须为年份，如 2011"))
            return None
        return int(text)

    def grades(self, data: Mapping) -> tuple[GradeBand, ...]:
        raw = data.get("grades")
        line = _line(data, "grades")
        if not isinstance(raw, list) or not raw:
            self.report.top(line, "grades", _("须列出等级，如 {min: 60, grade: 合格}"))
            return ()
        bands = []
        for index, item in enumerate(raw):
            item_line = _line(raw, index) or line
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
            self.report.top(_line(data, "categories"), "categories", _("须列出至少一个分类"))
            return ()
        categories = []
        category_codes: dict[str, int | None] = {}
        indicator_codes: dict[str, int | None] = {}
        for index, item in enumerate(raw):
            line = _line(raw, index)
            if not isinstance(item, dict):
                self.report.top(line, "categories", _("每个分类须为映射（code/name/indicators）"))
                continue
            code = _text(item.get("code")) or ""
            label = code or f"#{index + 1}"
            for key in item:
                if key not in CATEGORY_FIELDS:
                    self.report.category(_line(item, key), label, key, _("未知字段"))
            if not code:
                self.report.category(line, label, "code", _("须填写"))
            elif code in category_codes:
                self.report.category(line, code, "code", _("分类代码重复"))
            category_codes.setdefault(code, line)
            name = _text(item.get("name"))
            if not name:
                self.report.category(_line(item, "name"), label, "name", _("须填写"))
            raw_indicators = item.get("indicators")
            if not isinstance(raw_indicators, list) or not raw_indicators:
                self.report.category(
                    _line(item, "indicators"), label, "indicators", _("须列出至少一个指标")
                )
                raw_indicators = []
            indicators = []
            for position, raw_indicator in enumerate(raw_indicators):
                indicator = self.indicator(
                    raw_indicator, code, _line(raw_indicators, position), indicator_codes
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
            report.indicator(_line(raw, field) or line, label, field, message)

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


def _load_yaml(text: str, report: _Report) -> Any:
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        report.top(line, "YAML", _("语法错误：%(p)s", p=problem))
        return None
    if node is None:
        report.top(None, "YAML", _("文件为空"))
        return None
    duplicates: list[tuple[int, str]] = []
    data = _from_node(node, duplicates)
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


# --- Writing ----------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """A scalar in YAML flow syntax, quoted only where YAML needs it."""
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, int):
        return str(value)
    flow = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=1 << 30)
    return flow.strip()[1:-1]


def _flow_list(items: Iterable[Any]) -> str:
    return "[" + ", ".join(_scalar(item) for item in items) + "]"


def _flow_map(pairs: Iterable[tuple[str, Any]]) -> str:
    return "{" + ", ".join(f"{_scalar(key)}: {_scalar(value)}" for key, value in pairs) + "}"


def indicator_to_dict(indicator: Indicator) -> dict[str, Any]:
    """An indicator as the fields a file lists (defaults left out), values as Python data:
    Decimals, strings, lists, and tiers as ``{"min"|"max": …, "score": …}`` dicts."""
    data: dict[str, Any] = {
        "code": indicator.code,
        "name": indicator.name,
        "applies_to": list(indicator.applies_to),
        "measure": indicator.measure,
    }
    if indicator.unit:
        data["unit"] = indicator.unit
    if indicator.target is not None:
        data["target"] = indicator.target
    if indicator.direction != "higher":
        data["direction"] = indicator.direction
    if indicator.is_base or indicator.weight:
        data["weight"] = indicator.weight
    data["rule"] = indicator.rule
    for name in ("floor", "per_item", "cap"):
        if getattr(indicator, name) is not None:
            data[name] = getattr(indicator, name)
    if indicator.tiers:
        key = "max" if indicator.direction == "lower" else "min"
        data["tiers"] = [{key: tier.bound, "score": tier.score} for tier in indicator.tiers]
    if indicator.grade_points:
        data["grade_points"] = dict(indicator.grade_points)
    if indicator.evidence:
        data["evidence"] = list(indicator.evidence)
    if indicator.source:
        data["source"] = indicator.source
    return {name: data[name] for name in INDICATOR_FIELDS if name in data}


def dump_indicator_set(indicator_set: IndicatorSet) -> str:
    """The set as YAML text in the SPEC §3 layout; :func:`parse_indicator_set` reads it back
    to an equal set."""
    lines = [
        f"program: {_scalar(indicator_set.program)}",
        f"year: {indicator_set.year}",
    ]
    if indicator_set.source:
        lines.append(f"source: {_scalar(indicator_set.source)}")
    lines.append("grades:")
    for band in indicator_set.grades:
        lines.append(f"  - {_flow_map([('min', band.min), ('grade', band.grade)])}")
    lines.append("categories:")
    for category in indicator_set.categories:
        lines.append(f"  - code: {_scalar(category.code)}")
        lines.append(f"    name: {_scalar(category.name)}")
        lines.append("    indicators:")
        for indicator in category.indicators:
            prefix = "      - "
            for name, value in indicator_to_dict(indicator).items():
                if name == "tiers":
                    lines.append(f"{prefix}tiers:")
                    for tier in value:
                        lines.append(f"          - {_flow_map(tier.items())}")
                elif isinstance(value, list):
                    lines.append(f"{prefix}{name}: {_flow_list(value)}")
                elif isinstance(value, dict):
                    lines.append(f"{prefix}{name}: {_flow_map(value.items())}")
                else:
                    lines.append(f"{prefix}{name}: {_scalar(value)}")
                prefix = "        "
    return "\n".join(lines) + "\n"
