"""Reported values (填报值) and how text becomes one.

A value is, by the indicator's ``measure``:

* ``rate`` — a :class:`Rate` (numerator / denominator, e.g. 知晓人数 / 调查人数);
* ``count`` — a non-negative whole :class:`~decimal.Decimal`;
* ``amount`` — a non-negative :class:`~decimal.Decimal`;
* ``grade`` — one of 优 / 良 / 中 / 差;
* ``boolean`` — ``True`` or ``False``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from scoring.i18n import _
from scoring.model import GRADE_LEVELS, Indicator

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate entered as ``numerator / denominator`` (e.g. 175 of 200 surveyed knew the policy),
    immutable; ``percent`` (87.5 for 175/200, unrounded) is worked out once, here.

    A rate typed as a percent is stored as ``percent / 100``.
    """

    numerator: Decimal
    denominator: Decimal
    percent: Decimal = field(init=False, repr=False, compare=False)
    #: ``100 × numerator``, exact: the rules compare and divide with it and the denominator
    #: instead of the percent, which need not terminate (16/117).
    hundredfold: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Scoring reads these for every rate, millions of times for a city; working them
        # out on each read costs the engine about a tenth of its time (bench/score.py).
        # A derived field of a frozen dataclass can only be set this way.
        hundredfold = self.numerator * HUNDRED
        object.__setattr__(self, "hundredfold", hundredfold)
        object.__setattr__(self, "percent", hundredfold / self.denominator)

    def __str__(self) -> str:
        if self.denominator == HUNDRED:
            return f"{plain_number(self.numerator)}%"
        return f"{plain_number(self.numerator)}/{plain_number(self.denominator)}"


#: Any parsed value.
Value = Decimal | bool | str | Rate


#: Beyond this many zeros between the digits and the decimal point a number keeps its
#: exponent: ``1E+999999999`` written out would be a gigabyte of text.
MAX_PLAIN_ZEROS = 1000


def plain_number(number: Decimal | int | float | None) -> str:
    """``number`` as a person would write it: no exponent, no trailing zeros, no sign on zero.

    ``Decimal("1.50")`` → ``1.5``, ``Decimal("1E+2")`` → ``100``, ``Decimal("-0.00")`` → ``0``,
    ``None`` → ``""``; a float goes through its shortest repr (``0.1`` → ``0.1``). Digits are
    never rounded. A number needing more than :data:`MAX_PLAIN_ZEROS` zeros to write out
    (``Decimal("1E+5000")``) keeps its exponent instead, and NaN and infinities stay as
    ``str`` gives them.
    """
    if number is None:
        return ""
    if not isinstance(number, Decimal):
        number = Decimal(repr(number) if isinstance(number, float) else number)
    if not number.is_finite():
        return str(number)
    if not number:
        return "0"
    sign, digits, exponent = number.as_tuple()
    significant = len(digits)
    while digits[significant - 1] == 0:
        significant -= 1
    exponent += len(digits) - significant  # type: ignore[operator]
    trimmed = Decimal((sign, digits[:significant], exponent))
    if exponent > MAX_PLAIN_ZEROS or -exponent - significant > MAX_PLAIN_ZEROS:
        return str(trimmed)
    return format(trimmed, "f")


def _number(text: str) -> Decimal:
    """A finite, non-negative decimal; raises ``ValueError`` otherwise."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(text)s”不是有效的数字", text=text)) from None
    if not number.is_finite():
        raise ValueError(_("“%(text)s”不是有效的数字", text=text))
    if number < 0:
        raise ValueError(_("不能为负数：%(text)s", text=text))
    return number


def parse_amount(text: str) -> Decimal:
    """A non-negative amount; refuses text that is not a finite number, or is negative."""
    return _number(text)


def parse_count(text: str) -> Decimal:
    """A non-negative whole number (``3`` or ``3.0``); refuses fractions and negatives."""
    number = _number(text)
    if number != number.to_integral_value():
        raise ValueError(_("个数须为非负整数：%(text)s", text=text))
    return number


def parse_rate(text: str) -> Rate:
    """A :class:`Rate` from ``numerator/denominator`` or a percent (``87.5%`` or ``87.5``).

    Refuses a zero denominator, a numerator above its denominator, a percent above 100,
    negatives and text that is not a number.
    """
    # Full-width characters are what a Chinese input method types by default.
    text = text.strip().replace("／", "/").replace("％", "%")
    if "/" in text:
        numerator_text, _sep, denominator_text = text.partition("/")
        numerator = _number(numerator_text.strip())
        denominator = _number(denominator_text.strip())
        if denominator == 0:
            raise ValueError(_("分母不能为 0：%(text)s", text=text))
        if numerator > denominator:
            raise ValueError(
                _(
                    "分子 %(numerator)s 大于分母 %(denominator)s",
                    numerator=numerator_text.strip(),
                    denominator=denominator_text.strip(),
                )
            )
        return Rate(numerator, denominator)
    percent = _number(text[:-1].strip() if text.endswith("%") else text)
    if percent > HUNDRED:
        raise ValueError(_("百分比不能超过 100：%(text)s", text=text))
    return Rate(percent, HUNDRED)


_TRUE = frozenset({"是", "true"})
_FALSE = frozenset({"否", "false"})


def parse_boolean(text: str) -> bool:
    """``True`` for 是/true, ``False`` for 否/false (case-insensitive); refuses anything else."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(_("“%(text)s”不是是/否（或 true/false）", text=text))


def parse_grade(text: str) -> str:
    """One of 优/良/中/差; refuses anything else."""
    word = text.strip()
    if word in GRADE_LEVELS:
        return word
    raise ValueError(_("“%(text)s”不是评价等级（优/良/中/差）", text=text))


PARSERS: dict[str, Callable[[str], Value]] = {
    "rate": parse_rate,
    "count": parse_count,
    "amount": parse_amount,
    "boolean": parse_boolean,
    "grade": parse_grade,
}


def parse_value(indicator: Indicator, text: str) -> Value:
    """The value ``text`` stands for under ``indicator``'s measure.

    Raises ``ValueError`` with a message fit to show the person who typed it.
    """
    return PARSERS[indicator.measure](text)


def parser_for(indicator: Indicator) -> Callable[[str], Value]:
    """The function :func:`parse_value` uses for ``indicator``, for parsing many values."""
    return PARSERS[indicator.measure]


def format_value(value: Value) -> str:
    """A value as a person would type it back: ``175/200``, ``87.5%``, ``3``, ``是``, ``良``."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)
