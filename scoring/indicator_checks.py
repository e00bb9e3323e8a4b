"""The checks on one indicator (指标) that do not depend on the file it came from: its rule
against its measure and direction, the fields each rule requires and those it does not
use, weights, bounds, tier order and grade points.

The loader runs them on every indicator it reads, the engine on an indicator a
target-responsibility agreement (目标责任书) has changed for one unit.
"""

from __future__ import annotations

from decimal import Decimal

from scoring.i18n import _
from scoring.model import ASSESSED_KINDS, DIRECTIONS, GRADE_LEVELS, MEASURES, Indicator
from scoring.rules import RULES
from scoring.values import plain_number, value_range

HUNDRED = Decimal(100)

#: Which rules may use a parameter; anything else with it set is a mistake in the file.
PARAMETER_RULES = {
    "floor": ("linear",),
    "tiers": ("tiered",),
    "per_item": ("deduct", "bonus"),
    "cap": ("bonus",),
    "grade_points": ("grade",),
}


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _is_unit_code(entry: str) -> bool:
    # A unit code has a digit or a hyphen (410102, dept-gaj, zz-zdxq); a bare word that is
    # not a unit kind is far more likely a misspelt kind than a code.
    return any(ch.isdigit() or ch == "-" for ch in entry)


def _range_problems(indicator: Indicator) -> list[tuple[str, str]]:
    """``min`` and ``max``: only for numbers, non-negative, a rate's within 0–100, in order,
    and the target inside the range (else no value could ever reach it, or every one would)."""
    lowest, highest = indicator.min_value, indicator.max_value
    if lowest is None and highest is None:
        return []
    if indicator.measure in ("boolean", "grade"):
        return [
            (name, _("%(m)s 类指标不设取值范围", m=indicator.measure))
            for name, number in (("min", lowest), ("max", highest))
            if number is not None
        ]
    problems = []
    for name, number in (("min", lowest), ("max", highest)):
        if number is None:
            continue
        if number < 0:
            problems.append((name, _("不能为负数")))
        elif indicator.measure == "rate" and number > HUNDRED:
            problems.append((name, _("比率不能超过 100")))
    if problems:
        return problems
    low, high = value_range(indicator)
    if low > high:
        problems.append(
            ("max", _("上限 %(h)s 须不低于下限 %(l)s", h=plain_number(high), l=plain_number(low)))
        )
    elif indicator.target is not None and not low <= indicator.target <= high:
        problems.append(
            (
                "target",
                _(
                    "目标值 %(t)s 不在取值范围 %(l)s–%(h)s 内",
                    t=plain_number(indicator.target),
                    l=plain_number(low),
                    h=plain_number(high),
                ),
            )
        )
    return problems


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

    problems.extend(_range_problems(indicator))

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
