"""The claimed-vs-verified ledger (核减台账): what each unit reported for an indicator, what
the inspectors verified, the difference and the reduction rate (核减率), with totals per
unit, per indicator and per year.

Pure arithmetic over parsed values (:mod:`scoring.values`), in exact fractions rounded
half-up to 2 decimals once at the end (SPEC §3: no intermediate rounding):

- a numeric item (rate, count, amount): difference = claimed − verified (a rate in
  percentage points); 核减率 = (claimed − verified) ÷ claimed × 100, in percent, when the
  claimed value is not 0 (else None). A negative difference is an increase on review (核增).
- a boolean or grade item has no difference: it was changed or it was not.
- an item is *reduced* (核减) when its verified value differs from the claimed one; an
  accepted item (no verified value, or the same) is not.
- totals add differences only where they share a unit of measure: per indicator, for
  counts and amounts. Rates' percentage points and values of different indicators are not
  added; a unit's totals count items, reduced items and deductions (扣分).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from scoring.rules import NUMERIC, ZERO, half_up_quotient
from scoring.values import Rate, Value

#: Measures whose differences add up across units: they share the indicator's unit (人, 元).
SUMMABLE = ("count", "amount")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One unit's answer to one indicator in one year, as the ledger reads it.

    ``verified`` is None when the inspectors accepted the claimed value (核定值 left
    blank); ``deduction`` is the points deducted (扣分), None when none.
    """

    year: int
    unit: str
    indicator: str
    measure: str
    claimed: Value
    verified: Value | None = None
    deduction: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """A :class:`LedgerEntry` worked out: ``difference`` (claimed − verified; a rate in
    percentage points) and ``rate`` (核减率, percent), both 2 decimals or None where they do
    not apply; ``reduced`` when the verified value differs from the claimed one."""

    entry: LedgerEntry
    reduced: bool
    difference: Decimal | None
    rate: Decimal | None

    @property
    def verified(self) -> Value:
        """The value the results used: the verified one, else the claimed one."""
        return self.entry.claimed if self.entry.verified is None else self.entry.verified


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """Totals over a group of lines (a unit, an indicator or a year).

    ``share`` is reduced ÷ items × 100 (percent, 2 decimals; None for no items);
    ``difference`` the sum of the lines' differences when they add up (one count or amount
    indicator), else None; ``deductions`` the sum of the points deducted.
    """

    key: Hashable
    items: int
    reduced: int
    share: Decimal | None
    deductions: Decimal
    difference: Decimal | None = None


def _exact(value: Value) -> Fraction:
    """A numeric value as an exact fraction; a rate as its percent."""
    if isinstance(value, Rate):
        return Fraction(value.hundredfold) / Fraction(value.denominator)
    return Fraction(value)


def _cents(number: Fraction) -> Decimal:
    """``number`` rounded half-up (away from zero on a half) to 2 decimals."""
    magnitude = half_up_quotient(Decimal(abs(number.numerator)), Decimal(number.denominator))
    return -magnitude if number < 0 else magnitude


def same_value(claimed: Value, verified: Value) -> bool:
    """True when two values say the same: numbers (and rates, by percent) compare by value,
    so ``48/50`` is ``96%``; booleans and grades compare as they are."""
    if isinstance(claimed, (Rate, Decimal)) and isinstance(verified, (Rate, Decimal)):
        return _exact(claimed) == _exact(verified)
    return claimed == verified


def work_out(entry: LedgerEntry) -> LedgerLine:
    """The ledger line of one entry."""
    verified = entry.verified
    if verified is None or same_value(entry.claimed, verified):
        if entry.measure not in NUMERIC:
            return LedgerLine(entry, False, None, None)
        return LedgerLine(entry, False, ZERO, ZERO if _exact(entry.claimed) else None)
    if entry.measure not in NUMERIC:
        return LedgerLine(entry, True, None, None)
    claimed, checked = _exact(entry.claimed), _exact(verified)
    difference = claimed - checked
    rate = _cents(difference * 100 / claimed) if claimed else None
    return LedgerLine(entry, True, _cents(difference), rate)


def lines_of(entries: Iterable[LedgerEntry]) -> tuple[LedgerLine, ...]:
    return tuple(work_out(entry) for entry in entries)


def totals(key: Hashable, lines: Iterable[LedgerLine]) -> LedgerTotals:
    """The totals of ``lines`` under ``key``. Differences are summed exactly from each
    line's own values (not from the rounded ones) when every line is of one count or amount
    indicator."""
    lines = tuple(lines)
    reduced = sum(1 for line in lines if line.reduced)
    deductions = sum((line.entry.deduction or ZERO for line in lines), ZERO)
    share = half_up_quotient(Decimal(reduced * 100), Decimal(len(lines))) if lines else None
    difference = None
    one_indicator = len({line.entry.indicator for line in lines}) == 1
    if lines and one_indicator and lines[0].entry.measure in SUMMABLE:
        exact = (_exact(line.entry.claimed) - _exact(line.verified) for line in lines)
        difference = _cents(sum(exact, Fraction(0)))
    return LedgerTotals(key, len(lines), reduced, share, deductions, difference)


def grouped(
    lines: Iterable[LedgerLine], key: Callable[[LedgerEntry], Hashable]
) -> tuple[LedgerTotals, ...]:
    """Totals per ``key(entry)``, in the order the keys first appear."""
    groups: dict[Hashable, list[LedgerLine]] = {}
    for line in lines:
        groups.setdefault(key(line.entry), []).append(line)
    return tuple(totals(k, group) for k, group in groups.items())


def per_unit(lines: Iterable[LedgerLine]) -> tuple[LedgerTotals, ...]:
    return grouped(lines, lambda entry: entry.unit)


def per_indicator(lines: Iterable[LedgerLine]) -> tuple[LedgerTotals, ...]:
    return grouped(lines, lambda entry: entry.indicator)


def trend(lines: Iterable[LedgerLine]) -> tuple[LedgerTotals, ...]:
    """Totals per year, the earliest first."""
    return tuple(sorted(grouped(lines, lambda entry: entry.year), key=lambda t: t.key))
