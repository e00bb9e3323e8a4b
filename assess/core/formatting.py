"""How numbers and times are shown (数字与时间的显示), on pages, in exports and in print.

One number formatter, :func:`plain_number`, lives in :mod:`scoring.values` because the
offline engine writes values and YAML with it and may not import :mod:`assess`; it is
re-exported here so the app has one place to take it from. An indicator's value and target
are shown through :func:`indicator_value` and :func:`indicator_target` (the templates'
filters of the same names, and the reports): a rate reads as a percent with its fraction
beside it, ``87.5%（35/40）``, and its target as a percent too, ``95%``. Display only: the
scores are computed from the exact values elsewhere.

Times are stored as naive UTC and shown on the offices' calendar, :data:`LOCAL_TIMEZONE`,
which :mod:`assess.web.i18n` also gives Flask-Babel: pages, exports, print and the
nomination window's dates all read the same clock, with or without a request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from scoring.values import parse_rate, plain_number

__all__ = [
    "LOCAL_TIMEZONE",
    "indicator_target",
    "indicator_value",
    "local_date",
    "local_time",
    "local_today",
    "percent",
    "plain_number",
]

#: The offices' calendar (SPEC: a city in China); Flask-Babel's default timezone.
LOCAL_TIMEZONE = "Asia/Shanghai"
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"


def _local(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(LOCAL_TIMEZONE))


def local_time(value: datetime | None) -> str:
    """A stored UTC time as the office's wall time to the minute (``2011-11-08 17:30``);
    ``""`` for None."""
    if value is None:
        return ""
    return _local(value).strftime(LOCAL_TIME_FORMAT)


def local_date(value: datetime) -> date:
    """The office's calendar date of a stored UTC time."""
    return _local(value).date()


def local_today() -> date:
    """Today on the office's calendar (a deadline set for a day ends there, not in UTC)."""
    return local_date(datetime.now(UTC))


#: A percent is shown to two decimals (half up), without trailing zeros: 87.5%, 33.33%.
PERCENT_PLACES = Decimal("0.01")
RATE = "rate"
AMOUNT = "amount"


def percent(number: Decimal, *, fixed: bool = False) -> str:
    """``number`` (already in percent) as ``87.5%``: two decimals at most, rounded half up;
    ``fixed``, always two (``87.50%``), as print aligns figures in a column."""
    rounded = number.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
    return f"{rounded if fixed else plain_number(rounded)}%"


def _fixed(text: str) -> str:
    """A number as text with exactly two decimals (half up); other text unchanged."""
    try:
        return str(Decimal(text).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return text


def indicator_value(text: str | None, measure: str | None, *, fixed: bool = False) -> str:
    """A stored value as a person reads it: a rate as its percent with the fraction beside
    it (``35/40`` → ``87.5%（35/40）``; one typed as a percent stays ``87.5%``); any other
    measure, and text that is not a rate, unchanged; ``""`` for None. ``fixed`` (print)
    gives percents and amounts exactly two decimals (``87.50%（35/40）``, ``1200.00``);
    counts stay whole."""
    if not text:
        return ""
    if measure == AMOUNT and fixed:
        return _fixed(text)
    if measure != RATE:
        return text
    try:
        rate = parse_rate(text)
    except ValueError:
        return text
    shown = percent(rate.percent, fixed=fixed)
    if "/" not in text.replace("／", "/"):
        return shown
    fraction = f"{plain_number(rate.numerator)}/{plain_number(rate.denominator)}"
    return _("%(percent)s（%(fraction)s）", percent=shown, fraction=fraction)


def indicator_target(
    target: Decimal | str | int | float | None,
    measure: str | None,
    unit: str = "",
    *,
    fixed: bool = False,
) -> str:
    """A target (or floor) in the unit its values are shown in: a rate's as a percent
    (``95`` → ``95%``), whatever unit the set names; any other followed by ``unit``
    (``4次``); ``""`` for None or blank. ``fixed`` as in :func:`indicator_value`."""
    if target is None or target == "":
        return ""
    try:
        number = Decimal(str(target))
        if measure == RATE:
            return percent(number, fixed=fixed)
    except InvalidOperation:  # not a number, or too long to round: shown as it is
        return str(target)
    if measure == AMOUNT and fixed:
        return f"{_fixed(str(number))}{unit}"
    return f"{plain_number(number)}{unit}"
