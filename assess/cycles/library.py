"""The indicator library (指标库): indicator sets read as tables, and a draft cycle's weights
and targets edited in the browser.

A set lives in two places: the shipped sets in ``indicators/sets`` (read-only here) and
each cycle's own copy, which its draft may change and its opening freezes (SPEC §2). An
edit goes through the same loader and checks as an uploaded file, so a set edited in the
browser is a set the loader takes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assess.core import audit
from assess.core.db import database
from assess.core.labels import measure_label, rule_label, unit_kind_label
from assess.core.policy import cycle_allows
from assess.cycles.indicator_files import ShippedSet, shipped_sets
from assess.cycles.lifecycle import CycleError, indicator_set, locked_cycle, parse_set
from assess.cycles.models import Cycle
from scoring.dumper import dump_indicator_set
from scoring.indicator_checks import check_indicator
from scoring.model import Indicator, IndicatorSet
from scoring.values import plain_number

# What the edit form calls the two fields a person may change here.
TARGET_RULES = frozenset({"threshold", "linear", "ratio"})
EDITABLE_FIELDS = {"target": _l("目标值"), "weight": _l("权重")}


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    applies_to: str  # unit kinds by their labels, unit codes as typed
    rule: str
    measure: str
    target: str
    weight: str

    @property
    def has_target(self) -> bool:
        """Whether a target means anything to this indicator's rule (a graded or deducted
        item, a bonus or a veto has none)."""
        return self.indicator.rule in TARGET_RULES or self.indicator.target is not None

    @property
    def has_weight(self) -> bool:
        """Whether the weight may change: a bonus or veto item's is always 0."""
        return self.indicator.is_base


@dataclass(frozen=True)
class CategoryTable:
    code: str
    name: str
    rows: list[IndicatorRow]
    weight: str  # the scored weights of the category, all unit kinds together


@dataclass(frozen=True)
class SetTable:
    """An indicator set as the library page shows it."""

    program: str
    year: int
    source: str
    grades: str
    categories: list[CategoryTable]
    weights_by_kind: list[tuple[str, str]]  # (unit kind label, Σ scored weights)


def _number(value: Decimal | None) -> str:
    return "" if value is None else plain_number(value)


def set_table(parsed: IndicatorSet) -> SetTable:
    """The set's categories and indicators with their rules, targets, weights and clauses,
    every code a person reads given as its label."""
    kinds: dict[str, Decimal] = {}
    categories = []
    for category in parsed.categories:
        rows = []
        total = Decimal(0)
        for indicator in category.indicators:
            rows.append(
                IndicatorRow(
                    indicator,
                    "、".join(unit_kind_label(entry) for entry in indicator.applies_to),
                    rule_label(indicator.rule),
                    measure_label(indicator.measure),
                    _number(indicator.target),
                    _number(indicator.weight),
                )
            )
            if indicator.is_base:
                total += indicator.weight
                for entry in indicator.applies_to:
                    kinds[entry] = kinds.get(entry, Decimal(0)) + indicator.weight
        categories.append(CategoryTable(category.code, category.name, rows, _number(total)))
    grades = "、".join(f"{band.grade} ≥ {_number(band.min)}" for band in parsed.grades)
    weights = [(unit_kind_label(kind), _number(total)) for kind, total in kinds.items()]
    return SetTable(parsed.program, parsed.year, parsed.source, grades, categories, weights)


def shipped_set(key: str) -> tuple[ShippedSet, IndicatorSet] | None:
    """A shipped set by its key and parsed, or None when there is none by that key."""
    for shipped in shipped_sets():
        if shipped.key == key:
            return shipped, parse_set(shipped.path.read_text(encoding="utf-8"), shipped.path.name)
    return None


def editable(cycle: Cycle) -> bool:
    """True while the cycle's set may still change: a draft's. Once the cycle is open its set
    is frozen, so a set in use by a running or published cycle is read-only."""
    return cycle_allows(cycle, "setup")


def _decimal(text: str, code: str, field: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CycleError(
            _("%(c)s 的%(f)s不是有效的数字：%(v)s", c=code, f=EDITABLE_FIELDS[field], v=text)
        )
    return value


def parse_edits(form: dict[str, str], parsed: IndicatorSet) -> dict[str, dict[str, Decimal | None]]:
    """The typed targets and weights (fields ``target-CODE``, ``weight-CODE``) that differ
    from the set; raises CycleError naming the indicator for a value that is not a number.
    A blank weight is 0 (what a bonus or veto item has); a blank target is none."""
    edits: dict[str, dict[str, Decimal | None]] = {}
    for indicator in parsed.indicators():
        changed = {}
        for field in EDITABLE_FIELDS:
            key = f"{field}-{indicator.code}"
            if key not in form:
                continue
            value = _decimal(form[key], indicator.code, field)
            if field == "weight" and value is None:
                value = Decimal(0)
            if value != getattr(indicator, field):
                changed[field] = value
        if changed:
            edits[indicator.code] = changed
    return edits


def edit_values(cycle: Cycle, edits: dict[str, dict[str, Decimal | None]], actor) -> int:
    """Apply ``edits`` (indicator code → {"target"/"weight": value}) to a draft cycle's set, in
    one transaction with its audit entry; returns how many indicators changed.

    Refused (CycleError, nothing changed) once the cycle is open, for an unknown code, and
    when an edited indicator breaks a rule of the loader (a weight of 0, three decimals, a
    floor above the target …), every problem listed by indicator and field.
    """
    if not edits:
        return 0
    with database.atomic():
        row = locked_cycle(cycle.id, "setup")
        parsed = indicator_set(row)
        problems: list[str] = []
        before: dict[str, dict[str, str]] = {}
        after: dict[str, dict[str, str]] = {}
        categories = []
        for category in parsed.categories:
            indicators = []
            for indicator in category.indicators:
                changes = edits.get(indicator.code)
                if changes:
                    new = dataclasses.replace(indicator, **changes)
                    for field, message in check_indicator(new):
                        label = EDITABLE_FIELDS.get(field, field)
                        problems.append(
                            _(
                                "%(c)s %(n)s 的%(f)s：%(m)s",
                                c=new.code,
                                n=new.name,
                                f=label,
                                m=message,
                            )
                        )
                    before[indicator.code] = {f: _number(getattr(indicator, f)) for f in changes}
                    after[indicator.code] = {f: _number(v) for f, v in changes.items()}
                    indicator = new
                indicators.append(indicator)
            categories.append(dataclasses.replace(category, indicators=tuple(indicators)))
        unknown = sorted(set(edits) - set(before))
        if unknown:
            problems.append(_("指标体系中没有这些指标：%(c)s", c="、".join(unknown)))
        if problems:
            raise CycleError(_("指标体系未修改：%(n)s 处有误", n=len(problems)), problems)
        text = dump_indicator_set(dataclasses.replace(parsed, categories=tuple(categories)))
        parse_set(text, row.indicator_source or "indicators.yaml")  # the loader has the last word
        Cycle.update(indicator_yaml=text).where(Cycle.id == row.id).execute()
        cycle.indicator_yaml = text
        audit.record(
            "cycle.indicator_edit", "cycle", row.id, before=before, after=after, actor=actor
        )
    return len(after)
