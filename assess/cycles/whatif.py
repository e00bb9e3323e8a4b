"""What-if simulation on a draft cycle (权重模拟): last year's published values re-scored
under the draft's indicator set, its per-unit targets and weights (目标责任书) and weights
edited on the page, by :func:`scoring.whatif.simulate`. A read model: nothing is written,
not even an audit entry.

Last year's values are the ones its current snapshot scored (each indicator's value as
stored with its 得分依据, and the deduction made on it), so "before" is exactly what was
published and the simulation differs from it by the set alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from assess.core.enums import RESULT_CYCLE_STATES
from assess.core.labels import unit_kind_label
from assess.cycles.lifecycle import CycleError, indicator_set, overrides_for
from assess.cycles.models import Cycle, ResultSnapshot, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.reports.data import RankingRow
from assess.reports.page_figure import DataTable, PageFigure, for_page
from assess.units.models import Unit
from scoring.model import IndicatorSet
from scoring.values import parse_value
from scoring.whatif import Baseline, Simulation, Standing, simulate

#: A kind with more units than this gets the table but no chart (as the result pages do).
CHART_UNIT_LIMIT = 60


@dataclass(frozen=True)
class WhatIf:
    """A simulation as the page shows it: the cycle compared with (``baseline``), the
    outcome, unit names by code, the draft set, and one chart per unit kind."""

    baseline: Cycle
    simulation: Simulation
    names: Mapping[str, str]
    draft_set: IndicatorSet
    figures: Mapping[str, PageFigure]

    def not_assessed_names(self) -> list[str]:
        """The names of the baseline's units the draft does not assess."""
        return [self.names.get(code, code) for code in self.simulation.not_assessed]


def _kinds(indicator_set: IndicatorSet) -> set[str]:
    return {kind for i in indicator_set.indicators() for kind in i.applies_to}


def baseline_cycles(draft: Cycle, owners: frozenset[int] | None = None) -> list[Cycle]:
    """The published (or archived) cycles with results whose set assesses a unit kind the
    draft's does, to compare with: the draft's previous cycle (上一考核周期) first when it
    is one of them, then the newest year first. ``owners`` (a scoped office's units,
    ``policy.scope_of``) keeps to the cycles those units ran; None is the city's every
    cycle."""
    kinds = _kinds(indicator_set(draft))
    query = (
        Cycle.select()
        .join(ResultSnapshot, on=(ResultSnapshot.cycle == Cycle.id))
        .where(
            Cycle.state.in_(list(RESULT_CYCLE_STATES)),
            ResultSnapshot.current == True,  # noqa: E712
            Cycle.id != draft.id,
        )
        .order_by(Cycle.year.desc(), Cycle.id.desc())
    )
    if owners is not None:
        query = query.where(Cycle.owner.in_(sorted(owners)))
    found = []
    for cycle in query:
        try:
            if _kinds(indicator_set(cycle)) & kinds:
                found.append(cycle)
        except CycleError:
            continue  # a set that no longer parses cannot be compared with
    found.sort(key=lambda c: c.id != draft.previous_id)  # stable: newest first otherwise
    return found


def _baselines(snapshot: ResultSnapshot, previous_set: IndicatorSet) -> tuple[list, dict]:
    """Each unit of ``snapshot`` with its standing, values and deductions; names by code."""
    query = (
        UnitResultRecord.select(
            Unit.code,
            Unit.name,
            UnitResultRecord.kind,
            UnitResultRecord.total,
            UnitResultRecord.grade,
            UnitResultRecord.rank,
            UnitResultRecord.veto,
            UnitResultRecord.scores,
        )
        .join(Unit, on=(UnitResultRecord.unit == Unit.id))
        .where(UnitResultRecord.snapshot == snapshot)
        .tuples()
    )
    baselines, names = [], {}
    for code, name, kind, total, grade, rank, veto, scores in query:
        values, deductions = {}, {}
        for indicator_code, item in json.loads(scores).items():
            try:
                indicator = previous_set.indicator(indicator_code)
            except KeyError:
                continue
            if item.get("value") is not None:
                values[indicator_code] = parse_value(indicator, item["value"], check_bounds=False)
            if item.get("deduction"):
                deductions[indicator_code] = Decimal(item["deduction"])
        standing = Standing(Decimal(total), grade, rank, bool(veto))
        baselines.append(Baseline(code, kind, standing, values, deductions or None))
        names[code] = name
    return baselines, names


def simulate_cycle(draft: Cycle, baseline: Cycle, weights: Mapping[str, Decimal]) -> WhatIf:
    """``baseline``'s published values re-scored under ``draft``'s set with ``weights``
    (checked by ``scoring.whatif.check_weights``) and the draft's per-unit overrides.
    Raises CycleError when the baseline has no published results or an override leaves an
    indicator invalid. Reads only."""
    snapshot = current_snapshot(baseline)
    if snapshot is None:
        raise CycleError(_("所选考核周期尚未公布结果，无法比较"))
    draft_set, previous_set = indicator_set(draft), indicator_set(baseline)
    baselines, names = _baselines(snapshot, previous_set)
    overrides = overrides_for(draft)
    codes = dict(
        Unit.select(Unit.id, Unit.code).where(Unit.id.in_(list(overrides) or [0])).tuples()
    )
    by_code = {codes[unit_id]: changes for unit_id, changes in overrides.items()}
    try:
        simulation = simulate(previous_set, draft_set, baselines, weights, by_code)
    except ValueError as exc:
        raise CycleError(str(exc)) from exc
    figures = {
        kind: _figure(kind, simulation, names)
        for kind in simulation.kinds()
        if len(simulation.of_kind(kind)) <= CHART_UNIT_LIMIT
    }
    return WhatIf(baseline, simulation, names, draft_set, figures)


def _figure(kind: str, simulation: Simulation, names: Mapping[str, str]) -> PageFigure:
    """One kind's totals before and after as paired bars (the year-on-year chart of the
    reports), in simulated rank order, with its data table."""
    from assess.reports.charts import SCREEN_WIDTH, year_over_year_chart
    from assess.reports.render import signed

    units = simulation.of_kind(kind)
    rows = [
        RankingRow(
            u.after.rank, names[u.unit], u.after.total, u.after.grade, u.after.veto, u.before.total
        )
        for u in units
    ]
    key = f"whatif-{kind}"
    svg = year_over_year_chart(rows, width=SCREEN_WIDTH, labels=(_("模拟前"), _("模拟后")))
    table = DataTable(
        (_("单位"), _("模拟前总分"), _("模拟后总分"), _("增减")),
        tuple(
            (names[u.unit], str(u.before.total), str(u.after.total), signed(u.delta)) for u in units
        ),
        (1, 2, 3),
    )
    title = _("%(kind)s模拟前后总得分", kind=unit_kind_label(kind))
    return PageFigure(key, title, for_page(svg, key, grow=1.35), table)
