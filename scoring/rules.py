"""The scoring rules (评分规则) of SPEC §3, one function each, in one registry.

A rule function takes an :class:`~scoring.model.Indicator` and returns a :class:`Scorer`:
``score(value)`` gives the score rounded half-up to 2 places, ``explain(value, score)``
gives the inputs and the formula with the numbers filled in, and ``describe(value, score)``
the same reasoning in plain Chinese for a printed report (得分依据: no ``max(0, …)``, no
arrows, figures to 2 decimals). Scoring runs once per reported
value, so each rule works out its per-indicator constants once, here, and the per-value work
is a few decimal operations; the formula text is only built when someone asks why.

Adding a rule is one function decorated with :func:`rule` and one entry in :data:`RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from scoring.i18n import _
from scoring.model import Indicator
from scoring.values import Rate, plain_number

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal(1)

NUMERIC = ("rate", "count", "amount")


class Scorer(NamedTuple):
    """A rule applied to one indicator.

    ``score(value)`` returns the rounded score; ``explain(value, score)`` returns
    ``(inputs, formula)``; ``describe(value, score)`` the plain-language sentence.
    """

    score: Callable[[Any], Decimal]
    explain: Callable[[Any, Decimal], tuple[dict[str, Any], str]]
    describe: Callable[[Any, Decimal], str]


def rule(
    *, requires: tuple[str, ...], measures: tuple[str, ...], directional: bool = False
) -> Callable[[Callable[[Indicator], Scorer]], Callable[[Indicator], Scorer]]:
    """Declare what a rule needs, for the loader's validation: the fields it ``requires``,
    the ``measures`` it accepts, and whether ``direction: lower`` means anything to it."""

    def mark(function: Callable[[Indicator], Scorer]) -> Callable[[Indicator], Scorer]:
        function.requires = requires  # type: ignore[attr-defined]
        function.measures = measures  # type: ignore[attr-defined]
        function.directional = directional  # type: ignore[attr-defined]
        return function

    return mark


def rounded(number: Decimal) -> Decimal:
    """``number`` rounded half-up to 2 decimal places."""
    return number.quantize(CENT, ROUND_HALF_UP)


def half_up_quotient(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` (both ≥ 0, the denominator > 0) rounded half-up to 2
    places, exactly.

    A quotient such as ``2.925`` must round up even when it is reached through a rate whose
    percent does not terminate (``16/117``): dividing first and rounding the 28-digit
    result can land just below the half (SPEC §3: no intermediate rounding). Decimal's
    integer division is exact, so ``⌊(200·n + d) / 2d⌋`` cents is the half-up rounding of
    the true quotient, whatever its expansion.
    """
    cents = (numerator * 200 + denominator) // (denominator * 2)
    return cents.scaleb(-2)


def fmt(number: Decimal) -> str:
    """A number for a formula: at most 4 decimals, no trailing zeros, no exponent."""
    if number.as_tuple().exponent < -4:  # type: ignore[operator]
        number = number.quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return plain_number(number)


def fmt_score(score: Decimal) -> str:
    """A score for a formula, always with 2 decimals (``7.86``, ``10.00``)."""
    return format(rounded(score), "f")


def fmt2(number: Decimal) -> str:
    """A value or target for a sentence: at most 2 decimals (half up), no trailing zeros."""
    return plain_number(rounded(number))


def amount(indicator: Indicator, number: Decimal) -> str:
    """``number`` as a person reads it in a sentence: a rate as a percent (``87.5%``), any
    other measure with the indicator's unit (``4次``)."""
    unit = "%" if indicator.measure == "rate" else indicator.unit
    return fmt2(number) + unit


def _number(value: Any) -> Decimal:
    """The number a rule compares: a rate's percent, or the value itself."""
    return value.percent if value.__class__ is Rate else value


def _against_target(
    indicator: Indicator, value: Any, target: Decimal, score: Decimal
) -> tuple[bool, dict[str, str]]:
    """Whether ``value`` meets ``target`` in the indicator's direction (at most the target
    for lower, at least for higher), and the words every describe sentence fills in: the
    value ``v``, the target ``t`` and the score ``s``."""
    number = _number(value)
    met = number <= target if indicator.direction == "lower" else number >= target
    words = {"v": amount(indicator, number), "t": amount(indicator, target)}
    words["s"] = fmt_score(score)
    return met, words


def _inputs(indicator: Indicator, value: Any, **extra: Any) -> dict[str, Any]:
    """The inputs of an explanation: the value (and a rate's parts) plus rule parameters."""
    inputs: dict[str, Any] = {}
    if value.__class__ is Rate:
        inputs["numerator"] = value.numerator
        inputs["denominator"] = value.denominator
        inputs["value"] = value.percent
    else:
        inputs["value"] = value
    inputs["weight"] = indicator.weight
    inputs.update({key: item for key, item in extra.items() if item is not None})
    return inputs


@rule(requires=("target",), measures=(*NUMERIC, "boolean"), directional=True)
def threshold(indicator: Indicator) -> Scorer:
    """达标制: the weight when the value meets the target (``>=``, or ``<=`` for lower),
    else 0. On a ``boolean`` measure, 是 meets it and no target is needed."""
    weight = rounded(indicator.weight)
    target = indicator.target

    if indicator.measure == "boolean":

        def score_boolean(value: Any) -> Decimal:
            return weight if value is True else ZERO

        def explain_boolean(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
            word = _("是，达标") if value is True else _("否，未达标")
            return _inputs(indicator, value), f"{word} → {fmt_score(score)}"

        def describe_boolean(value: Any, score: Decimal) -> str:
            if value is True:
                return _("为“是”，达标，得%(s)s分", s=fmt_score(score))
            return _("为“否”，未达标，得%(s)s分", s=fmt_score(score))

        return Scorer(score_boolean, explain_boolean, describe_boolean)

    lower = indicator.direction == "lower"

    def score(value: Any) -> Decimal:
        if value.__class__ is Rate:
            # 100·n against t·d: the percent itself may not terminate.
            number, target_here = value.hundredfold, target * value.denominator
        else:
            number, target_here = value, target
        if lower:
            return weight if number <= target_here else ZERO
        return weight if number >= target_here else ZERO

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        v, t = fmt(_number(value)), fmt(target)
        if lower:
            met = _number(value) <= target
            text = (
                _("%(v)s ≤ %(t)s，达标", v=v, t=t) if met else _("%(v)s > %(t)s，未达标", v=v, t=t)
            )
        else:
            met = _number(value) >= target
            text = (
                _("%(v)s ≥ %(t)s，达标", v=v, t=t) if met else _("%(v)s < %(t)s，未达标", v=v, t=t)
            )
        return _inputs(indicator, value, target=target), f"{text} → {fmt_score(score)}"

    def describe(value: Any, score: Decimal) -> str:
        met, words = _against_target(indicator, value, target, score)
        if lower:
            if met:
                return _("%(v)s，不高于目标值%(t)s，达标，得%(s)s分", **words)
            return _("%(v)s，高于目标值%(t)s，未达标，得%(s)s分", **words)
        if met:
            return _("%(v)s，达到目标值%(t)s，得%(s)s分", **words)
        return _("%(v)s，未达到目标值%(t)s，得%(s)s分", **words)

    return Scorer(score, explain, describe)


@rule(requires=("target", "floor"), measures=NUMERIC, directional=True)
def linear(indicator: Indicator) -> Scorer:
    """比例折算: the weight at or beyond the target, 0 at or beyond the floor, and in between
    ``w × (v − floor) / (t − floor)`` (mirrored for lower: ``w × (floor − v) / (floor − t)``)."""
    weight = indicator.weight
    full = rounded(weight)
    target, floor = indicator.target, indicator.floor
    span = abs(target - floor)
    lower = indicator.direction == "lower"

    def score(value: Any) -> Decimal:
        # A rate v = 100·n / d is worked with as 100·n against target and floor times d,
        # so the only division is the final, exact one (half_up_quotient).
        if value.__class__ is Rate:
            scale = value.denominator
            value = value.hundredfold
        else:
            scale = ONE
        target_here, floor_here = target * scale, floor * scale
        if lower:
            if value <= target_here:
                return full
            if value >= floor_here:
                return ZERO
            return half_up_quotient((floor_here - value) * weight, span * scale)
        if value >= target_here:
            return full
        if value <= floor_here:
            return ZERO
        return half_up_quotient((value - floor_here) * weight, span * scale)

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        number = _number(value)
        v, t, f, w = fmt(number), fmt(target), fmt(floor), fmt(weight)
        if lower:
            if number <= target:
                text = _("%(v)s ≤ %(t)s（目标）→ %(s)s", v=v, t=t, s=fmt_score(score))
            elif number >= floor:
                text = _("%(v)s ≥ %(f)s（上限）→ %(s)s", v=v, f=f, s=fmt_score(score))
            else:
                text = f"{w} × ({f} − {v}) / ({f} − {t}) = {fmt_score(score)}"
        elif number >= target:
            text = _("%(v)s ≥ %(t)s（目标）→ %(s)s", v=v, t=t, s=fmt_score(score))
        elif number <= floor:
            text = _("%(v)s ≤ %(f)s（下限）→ %(s)s", v=v, f=f, s=fmt_score(score))
        else:
            text = f"{w} × ({v} − {f}) / ({t} − {f}) = {fmt_score(score)}"
        return _inputs(indicator, value, target=target, floor=floor), text

    def describe(value: Any, score: Decimal) -> str:
        number = _number(value)
        met, words = _against_target(indicator, value, target, score)
        words["f"] = amount(indicator, floor)
        if lower:
            if met:
                return _("%(v)s，不高于目标值%(t)s，得满分%(s)s分", **words)
            if number >= floor:
                return _("%(v)s，达到上限%(f)s，得%(s)s分", **words)
            return _("%(v)s，在目标值%(t)s与上限%(f)s之间，按比例折算得%(s)s分", **words)
        if met:
            return _("%(v)s，达到目标值%(t)s，得满分%(s)s分", **words)
        if number <= floor:
            return _("%(v)s，未超过下限%(f)s，得%(s)s分", **words)
        return _("%(v)s，在下限%(f)s与目标值%(t)s之间，按比例折算得%(s)s分", **words)

    return Scorer(score, explain, describe)


@rule(requires=("target",), measures=NUMERIC, directional=True)
def ratio(indicator: Indicator) -> Scorer:
    """完成率: ``w × min(1, v / t)``; for lower ``w × min(1, t / v)``, the weight when v is 0."""
    weight = indicator.weight
    full = rounded(weight)
    target = indicator.target
    lower = indicator.direction == "lower"

    def score(value: Any) -> Decimal:
        # As in linear: a rate is 100·n over d, and the one division is exact.
        if value.__class__ is Rate:
            scale = value.denominator
            value = value.hundredfold
        else:
            scale = ONE
        target_here = target * scale
        if lower:
            if value <= target_here:
                return full
            return half_up_quotient(weight * target_here, value)
        if value >= target_here:
            return full
        return half_up_quotient(weight * value, target_here)

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        number = _number(value)
        v, t, w = fmt(number), fmt(target), fmt(weight)
        if lower:
            text = (
                f"{w} × min(1, {t} / {v}) = {fmt_score(score)}"
                if number
                else f"0 → {fmt_score(score)}"
            )
        else:
            text = f"{w} × min(1, {v} / {t}) = {fmt_score(score)}"
        return _inputs(indicator, value, target=target), text

    def describe(value: Any, score: Decimal) -> str:
        met, words = _against_target(indicator, value, target, score)
        if lower:
            if met:
                return _("%(v)s，不高于目标值%(t)s，得满分%(s)s分", **words)
            return _("%(v)s，高于目标值%(t)s，按目标值与实际值之比折算得%(s)s分", **words)
        if met:
            return _("%(v)s，达到目标值%(t)s，得满分%(s)s分", **words)
        done = fmt2(_number(value) * 100 / target) if target else "0"
        return _("%(v)s，完成目标值%(t)s的%(r)s%%，按完成率折算得%(s)s分", r=done, **words)

    return Scorer(score, explain, describe)


@rule(requires=("tiers",), measures=NUMERIC, directional=True)
def tiered(indicator: Indicator) -> Scorer:
    """分档: the score of the first tier the value reaches (``v >= min``; ``v <= max`` for
    lower), else 0."""
    tiers = tuple((tier.bound, rounded(tier.score)) for tier in indicator.tiers)
    lower = indicator.direction == "lower"

    def score(value: Any) -> Decimal:
        if value.__class__ is Rate:
            # 100·n against each bound times d: exact, as in threshold.
            scale = value.denominator
            value = value.hundredfold
            if lower:
                for bound, points in tiers:
                    if value <= bound * scale:
                        return points
                return ZERO
            for bound, points in tiers:
                if value >= bound * scale:
                    return points
            return ZERO
        if lower:
            for bound, points in tiers:
                if value <= bound:
                    return points
            return ZERO
        for bound, points in tiers:
            if value >= bound:
                return points
        return ZERO

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        number = _number(value)
        v = fmt(number)
        inputs = _inputs(indicator, value, tiers=tuple(indicator.tiers))
        for position, (bound, _points) in enumerate(tiers, start=1):
            if (number <= bound) if lower else (number >= bound):
                sign = "≤" if lower else "≥"
                return inputs, _(
                    "%(v)s %(sign)s %(b)s（第 %(n)d 档）→ %(s)s",
                    v=v,
                    sign=sign,
                    b=fmt(bound),
                    n=position,
                    s=fmt_score(score),
                )
        last = fmt(tiers[-1][0])
        sign = ">" if lower else "<"
        return inputs, _(
            "%(v)s %(sign)s %(b)s（未达最低档）→ %(s)s", v=v, sign=sign, b=last, s=fmt_score(score)
        )

    def describe(value: Any, score: Decimal) -> str:
        number = _number(value)
        v, s = amount(indicator, number), fmt_score(score)
        for position, (bound, _points) in enumerate(tiers, start=1):
            if (number <= bound) if lower else (number >= bound):
                b = amount(indicator, bound)
                if lower:
                    return _(
                        "%(v)s，达到第%(n)s档（不高于%(b)s），得%(s)s分", v=v, n=position, b=b, s=s
                    )
                return _(
                    "%(v)s，达到第%(n)s档（不低于%(b)s），得%(s)s分", v=v, n=position, b=b, s=s
                )
        last = amount(indicator, tiers[-1][0])
        return _("%(v)s，未达到最低档（%(b)s），得%(s)s分", v=v, b=last, s=s)

    return Scorer(score, explain, describe)


@rule(requires=("per_item",), measures=("count",))
def deduct(indicator: Indicator) -> Scorer:
    """扣分制: ``max(0, w − per_item × v)``, v being the problems found."""
    weight = indicator.weight
    per_item = indicator.per_item

    def score(value: Any) -> Decimal:
        left = weight - per_item * value
        return left.quantize(CENT, ROUND_HALF_UP) if left > 0 else ZERO

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        text = f"max(0, {fmt(weight)} − {fmt(per_item)} × {fmt(value)}) = {fmt_score(score)}"
        return _inputs(indicator, value, per_item=per_item), text

    def describe(value: Any, score: Decimal) -> str:
        words = {"n": fmt2(value), "p": fmt_score(per_item), "s": fmt_score(score)}
        if per_item * value >= weight and value:
            return _("发现问题%(n)s个，每个扣%(p)s分，扣完为止，得%(s)s分", **words)
        return _("发现问题%(n)s个，每个扣%(p)s分，得%(s)s分", **words)

    return Scorer(score, explain, describe)


@rule(requires=(), measures=("grade",))
def grade(indicator: Indicator) -> Scorer:
    """定性评价: ``w × points[v]`` with 优/良/中/差 worth 1.0/0.8/0.6/0 unless ``grade_points``
    says otherwise."""
    points = indicator.points()
    scores = {level: rounded(indicator.weight * share) for level, share in points.items()}

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        share = points[value]
        text = f"{value}：{fmt(indicator.weight)} × {fmt(share)} = {fmt_score(score)}"
        return _inputs(indicator, value, points=share), text

    def describe(value: Any, score: Decimal) -> str:
        share = fmt2(points[value] * 100)
        return _(
            "评价为“%(v)s”，按分值的%(r)s%%计，得%(s)s分", v=value, r=share, s=fmt_score(score)
        )

    return Scorer(scores.__getitem__, explain, describe)


@rule(requires=("per_item", "cap"), measures=("count", "amount", "boolean"))
def bonus(indicator: Indicator) -> Scorer:
    """加分项: ``min(cap, per_item × v)`` (是 counts as 1), added after normalising."""
    per_item, cap = indicator.per_item, indicator.cap
    capped = rounded(cap)

    def score(value: Any) -> Decimal:
        if value is True or value is False:
            value = ONE if value else ZERO
        points = per_item * value
        return capped if points >= cap else points.quantize(CENT, ROUND_HALF_UP)

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        count = (ONE if value else ZERO) if isinstance(value, bool) else value
        text = f"min({fmt(cap)}, {fmt(per_item)} × {fmt(count)}) = {fmt_score(score)}"
        return _inputs(indicator, value, per_item=per_item, cap=cap), text

    def describe(value: Any, score: Decimal) -> str:
        count = (ONE if value else ZERO) if isinstance(value, bool) else value
        if not count:
            return _("无加分事项，不加分")
        words = {"n": fmt2(count), "p": fmt_score(per_item), "c": fmt_score(cap)}
        return _(
            "加分事项%(n)s项，每项加%(p)s分，最多加%(c)s分，加%(s)s分", s=fmt_score(score), **words
        )

    return Scorer(score, explain, describe)


@rule(requires=(), measures=("boolean",))
def veto(indicator: Indicator) -> Scorer:
    """一票否决: scores 0; a true value puts the unit in the lowest grade band, marked 否决."""

    def score(value: Any) -> Decimal:
        return ZERO

    def explain(value: Any, score: Decimal) -> tuple[dict[str, Any], str]:
        text = _("是 → 一票否决") if value is True else _("否 → 不否决")
        return _inputs(indicator, value), text

    def describe(value: Any, score: Decimal) -> str:
        if value is True:
            return _("发生一票否决事项，等次定为最低等次")
        return _("未发生一票否决事项")

    return Scorer(score, explain, describe)


RULES: dict[str, Callable[[Indicator], Scorer]] = {
    "threshold": threshold,
    "linear": linear,
    "ratio": ratio,
    "tiered": tiered,
    "deduct": deduct,
    "grade": grade,
    "bonus": bonus,
    "veto": veto,
}
