"""The claimed-vs-verified ledger (核减台账) of the published results: per unit, indicator
and year, what the unit reported (自评值), what the results used (核定值, the self-reported
value where the inspectors accepted it), the difference, the reduction rate (核减率) and the
deductions (扣分) with their reasons; totals per unit and indicator, and the trend across
years. The arithmetic is :mod:`scoring.ledger`'s.

Only published (and archived) cycles feed it, each through its current snapshot: the
verified value and the deduction are the ones the published results were scored with, so
an answer to an appeal shows once it is republished. A cycle still in review is not in the
ledger: its figures may yet change. When two published cycles of one year assessed the same
unit on the same indicator code, the one published last counts.

Built in three queries whatever the number of units and years (snapshots, their stored
results, the self-reported values), never a query per unit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from assess.core.enums import COUNTED_SUBMISSION_STATES, RESULT_CYCLE_STATES
from assess.core.formatting import indicator_value
from assess.core.labels import unit_kind_label
from assess.cycles.lifecycle import CycleError, indicator_set
from assess.cycles.models import Cycle, ResultSnapshot, Submission, UnitResultRecord
from assess.reports.charts import heatmap_chart
from assess.reports.data import HeatMap
from assess.reports.page_figure import DataTable, PageFigure, for_page
from assess.units.models import Unit
from scoring import ledger
from scoring.model import Indicator
from scoring.rules import rounded
from scoring.values import parse_value

#: A heat map beyond this many units is not drawn: its cells would be too small to read;
#: the page asks for a narrower filter (as the published charts do, web_figures).
HEATMAP_UNIT_LIMIT = 60


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger as a page or a workbook shows it: the worked-out ``line``,
    the unit, the indicator with its category's name, the values as typed and the reasons."""

    line: ledger.LedgerLine
    cycle_id: int
    unit: Unit
    indicator: Indicator
    category_name: str
    claimed_text: str
    verified_text: str  # '' when accepted as reported
    verify_reason: str
    deduction_reason: str

    @property
    def year(self) -> int:
        return self.line.entry.year

    @property
    def claimed_display(self) -> str:
        return indicator_value(self.claimed_text, self.indicator.measure)

    @property
    def verified_display(self) -> str:
        return indicator_value(self.verified_text or self.claimed_text, self.indicator.measure)


@dataclass(frozen=True)
class LedgerFilters:
    """What the page asks for: a year (None: the latest), a unit kind, a unit, a category,
    an indicator (codes; '' for all) and whether only reduced items are listed."""

    year: int | None = None
    kind: str = ""
    unit_id: int | None = None
    category: str = ""
    indicator: str = ""
    reduced_only: bool = False

    def keeps(self, row: LedgerRow, with_year: bool = True) -> bool:
        return (
            (not with_year or self.year is None or row.year == self.year)
            and (not self.kind or row.unit.kind == self.kind)
            and (self.unit_id is None or row.unit.id == self.unit_id)
            and (not self.category or row.indicator.category_code == self.category)
            and (not self.indicator or row.indicator.code == self.indicator)
            and (not self.reduced_only or row.line.reduced)
        )


@dataclass(frozen=True)
class LedgerView:
    """The ledger for ``filters``: the year's ``rows``, the totals per unit (with the
    unit) and per indicator (with a row of that indicator), the ``trend`` across every year
    under the same filters but the year (with the year), and the choices the filters offer."""

    filters: LedgerFilters
    years: tuple[int, ...]
    rows: tuple[LedgerRow, ...]
    unit_totals: tuple[tuple[Unit, ledger.LedgerTotals], ...]
    indicator_totals: tuple[tuple[LedgerRow, ledger.LedgerTotals], ...]
    trend: tuple[tuple[int, ledger.LedgerTotals], ...]
    kinds: tuple[tuple[str, str], ...] = ()
    units: tuple[Unit, ...] = ()
    categories: tuple[tuple[str, str], ...] = ()
    indicators: tuple[tuple[str, str], ...] = ()
    deductions: Decimal = field(default=Decimal(0))


def _published_snapshots(
    cycle: Cycle | None, owners: frozenset[int] | None = None
) -> list[ResultSnapshot]:
    """Each published cycle's current snapshot (``cycle``'s only, when given; only cycles
    run by a unit in ``owners``, when given), with its cycle, the first published first."""
    query = (
        ResultSnapshot.select(ResultSnapshot, Cycle)
        .join(Cycle)
        .where(
            ResultSnapshot.current == True,  # noqa: E712
            Cycle.state.in_(list(RESULT_CYCLE_STATES)),
        )
        .order_by(ResultSnapshot.published_at, ResultSnapshot.id)
    )
    if owners is not None:
        query = query.where(Cycle.owner.in_(list(owners)))
    return list(query if cycle is None else query.where(Cycle.id == cycle.id))


def ledger_rows(
    cycle: Cycle | None = None, owners: frozenset[int] | None = None
) -> list[LedgerRow]:
    """Every line of every published cycle (one per unit, indicator and year), or of
    ``cycle`` only, in the order year, unit, indicator set order. Items the unit left empty
    are not lines; nothing for a cycle not published. ``owners`` (an office's scope: its
    unit and the units below) keeps the cycles those units run; None keeps every cycle."""
    snapshots = _published_snapshots(cycle, owners)
    if not snapshots:
        return []
    sets = {}
    for snapshot in snapshots:
        try:
            sets[snapshot.cycle_id] = indicator_set(snapshot.cycle)
        except CycleError:
            continue
    by_snapshot = {s.id: s.cycle for s in snapshots if s.cycle_id in sets}
    claims: dict[tuple[int, int, str], tuple[str, str, str, str]] = {}
    query = Submission.select(
        Submission.cycle,
        Submission.unit,
        Submission.indicator_code,
        Submission.value_text,
        Submission.verify_reason,
        Submission.deduction_reason,
        Submission.verified_value_text,
    ).where(
        Submission.cycle.in_(list(sets)),
        Submission.status.in_(list(COUNTED_SUBMISSION_STATES)),
    )
    for cycle_id, unit_id, code, value_text, *rest in query.tuples():
        if value_text:
            claims[(cycle_id, unit_id, code)] = (value_text, *rest)
    records = (
        UnitResultRecord.select(UnitResultRecord.snapshot, UnitResultRecord.scores, Unit)
        .join(Unit)
        .where(UnitResultRecord.snapshot.in_(list(by_snapshot)))
    )
    lines: dict[tuple[int, int, str], LedgerRow] = {}
    # In publication order, so that a later cycle's line replaces an earlier one's.
    position = {s.id: n for n, s in enumerate(snapshots)}
    for record in sorted(records, key=lambda r: position[r.snapshot_id]):
        cycle = by_snapshot[record.snapshot_id]
        parsed = sets[cycle.id]
        names = {c.code: c.name for c in parsed.categories}
        for code, scored in json.loads(record.scores).items():
            claim = claims.get((cycle.id, record.unit.id, code))
            if claim is None or scored.get("value") is None:
                continue
            try:
                indicator = parsed.indicator(code)
            except KeyError:
                continue
            row = _row(cycle, record.unit, indicator, names, claim, scored)
            if row is not None:
                lines[(cycle.year, record.unit.id, code)] = row
    order = {(cid, i.code): n for cid, p in sets.items() for n, i in enumerate(p.indicators())}
    return sorted(
        lines.values(),
        key=lambda r: (
            r.year,
            r.unit.sort_order,
            r.unit.code,
            order.get((r.cycle_id, r.indicator.code), 0),
        ),
    )


def _row(cycle, unit, indicator, names, claim, scored) -> LedgerRow | None:
    value_text, verify_reason, deduction_reason, verified_text = claim
    try:
        claimed = parse_value(indicator, value_text, check_bounds=False)
        used = parse_value(indicator, scored["value"], check_bounds=False)
        # The inspector's own writing (80/100) when it is what was published, not the
        # snapshot's normal form of it (80%).
        if not verified_text or not ledger.same_value(
            parse_value(indicator, verified_text, check_bounds=False), used
        ):
            verified_text = scored["value"]
    except ValueError:
        return None
    deduction = Decimal(scored["deduction"]) if scored.get("deduction") else None
    changed = not ledger.same_value(claimed, used)
    entry = ledger.LedgerEntry(
        cycle.year,
        unit.code,
        indicator.code,
        indicator.measure,
        claimed,
        used if changed else None,
        deduction,
    )
    return LedgerRow(
        ledger.work_out(entry),
        cycle.id,
        unit,
        indicator,
        names.get(indicator.category_code, ""),
        value_text,
        verified_text if changed else "",
        verify_reason if changed else "",
        deduction_reason if deduction else "",
    )


def _choices(rows: list[LedgerRow], filters: LedgerFilters):
    """The filters' choices from the year's lines: kinds, units (of the kind chosen),
    categories, indicators (of the category chosen), in the ledger's order."""
    kinds, units, categories, indicators = {}, {}, {}, {}
    for row in rows:
        kinds.setdefault(row.unit.kind, unit_kind_label(row.unit.kind))
        if not filters.kind or row.unit.kind == filters.kind:
            units.setdefault(row.unit.id, row.unit)
        categories.setdefault(row.indicator.category_code, row.category_name)
        if not filters.category or row.indicator.category_code == filters.category:
            indicators.setdefault(row.indicator.code, row.indicator.name)
    return (
        tuple(kinds.items()),
        tuple(units.values()),
        tuple(categories.items()),
        tuple(indicators.items()),
    )


def ledger_view(filters: LedgerFilters, owners: frozenset[int] | None = None) -> LedgerView:
    """The ledger for ``filters`` (the latest year when none is asked for or the one asked
    for has no published results), of the cycles run by ``owners`` when given."""
    every = ledger_rows(owners=owners)
    years = tuple(sorted({r.year for r in every}, reverse=True))
    year = filters.year if filters.year in years else (years[0] if years else None)
    filters = LedgerFilters(
        year,
        filters.kind,
        filters.unit_id,
        filters.category,
        filters.indicator,
        filters.reduced_only,
    )
    of_year = [r for r in every if r.year == year]
    rows = tuple(r for r in of_year if filters.keeps(r))
    by_unit = {r.unit.code: r.unit for r in rows}
    by_code = {r.indicator.code: r for r in rows}
    lines = [r.line for r in rows]
    unit_totals = tuple((by_unit[t.key], t) for t in ledger.per_unit(lines))
    indicator_totals = tuple((by_code[t.key], t) for t in ledger.per_indicator(lines))
    trend = tuple(
        (t.key, t) for t in ledger.trend(r.line for r in every if filters.keeps(r, with_year=False))
    )
    kinds, units, categories, indicators = _choices(of_year, filters)
    return LedgerView(
        filters,
        years,
        rows,
        unit_totals,
        indicator_totals,
        trend,
        kinds,
        units,
        categories,
        indicators,
        sum((t.deductions for _u, t in unit_totals), Decimal(0)),
    )


def _num(value: Decimal | None) -> str:
    return "—" if value is None else format(rounded(value), "f")


def heatmap_of(view: LedgerView) -> HeatMap | None:
    """核减率 per indicator (rows) and unit (columns) of the view's lines; None where the
    unit has no numeric line for the indicator. None when there is nothing to draw or more
    units than :data:`HEATMAP_UNIT_LIMIT`."""
    numeric = [r for r in view.rows if r.line.rate is not None]
    units = list({r.unit.id: r.unit for r in numeric}.values())
    if not numeric or len(units) > HEATMAP_UNIT_LIMIT:
        return None
    codes = list({r.indicator.code: r.indicator for r in numeric}.values())
    cells = {(r.indicator.code, r.unit.id): r.line.rate for r in numeric}
    return HeatMap(
        tuple(f"{i.code} {i.name}" for i in codes),
        tuple(u.name for u in units),
        tuple(tuple(cells.get((i.code, u.id)) for u in units) for i in codes),
    )


def heatmap_figure(view: LedgerView) -> PageFigure | None:
    """The heat map of :func:`heatmap_of` as the page shows it, with its data table."""
    heatmap = heatmap_of(view)
    if heatmap is None:
        return None
    svg = heatmap_chart(heatmap, scale_label=_("核减率（%）"))
    table = DataTable(
        (_("指标"), *heatmap.unit_labels),
        tuple(
            (label, *(_num(v) for v in values))
            for label, values in zip(heatmap.indicator_labels, heatmap.values, strict=True)
        ),
        tuple(range(1, len(heatmap.unit_labels) + 1)),
    )
    return PageFigure(
        "ledger-heatmap",
        _("%(year)s年度各单位各项指标核减率", year=view.filters.year),
        for_page(svg, "ledger-heatmap", grow=1.5),
        table,
        tuple(heatmap.indicator_labels),
        wide=True,
    )
