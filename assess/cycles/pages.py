"""What the cycle pages show, gathered in a fixed number of queries whatever the unit count."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from peewee import fn

from assess.core.enums import (
    ASSESSED_UNIT_KINDS,
    HANDED_IN_SUBMISSION_STATES,
    RESULT_CYCLE_STATES,
    REVIEWABLE_CYCLE_STATES,
    CycleState,
    Light,
    RectificationState,
    ReportProgress,
    SubmissionState,
)
from assess.core.formatting import local_today, plain_number
from assess.core.labels import unit_kind_label
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import (
    Assignment,
    Cycle,
    Rectification,
    ResultSnapshot,
    Submission,
    UnitResultRecord,
)
from assess.cycles.publishing import compute_results, current_snapshot
from assess.reports.data import CategoryScore
from assess.units.models import Unit
from assess.units.tree import units_in_tree_order

TWO = Decimal("0.01")


@dataclass(frozen=True)
class Progress:
    """How far one unit's self-report has got (填报进度), counted the one way every page
    counts it: ``indicators`` is every indicator assigned to the unit, bonus and veto items
    included (what the self-report lists); ``required`` the scored ones among them, which
    alone decide whether the unit is complete (bonus and veto items may stay empty)."""

    indicators: int = 0
    required: int = 0
    filled: int = 0
    submitted: int = 0  # handed in and waiting: submitted, not yet verified
    verified: int = 0
    returned: int = 0
    required_handed_in: int = 0

    @property
    def handed_in(self) -> int:
        return self.submitted + self.verified

    @property
    def complete(self) -> bool:
        return self.required > 0 and self.required_handed_in >= self.required

    @property
    def outstanding(self) -> bool:
        """The unit still owes scored items (what a reminder or a 催报 chases); a unit with
        none to fill owes nothing."""
        return self.required > 0 and not self.complete


def unit_progress(cycle: Cycle, unit_ids: list[int] | None = None) -> dict[int, Progress]:
    """Each unit's :class:`Progress` in ``cycle`` (every assigned unit when ``unit_ids`` is
    None), in two queries whatever the number of units."""
    scored = [i.code for i in indicator_set(cycle).indicators() if i.is_base] or [""]
    is_scored = Assignment.indicator_code.in_(scored)
    assigned = Assignment.select(Assignment.unit, is_scored, fn.COUNT(Assignment.id)).where(
        Assignment.cycle == cycle
    )
    if unit_ids is not None:
        assigned = assigned.where(Assignment.unit.in_(unit_ids or [0]))
    counts: dict[int, dict[str, int]] = {}
    for unit_id, required, n in assigned.group_by(Assignment.unit, is_scored).tuples():
        row = counts.setdefault(unit_id, dict.fromkeys(Progress.__dataclass_fields__, 0))
        row["indicators"] += n
        if required:
            row["required"] += n
    # Only submissions of indicators the unit still has: an assignment dropped with a
    # replaced set must not count on one page and not on the other.
    sub_scored = Submission.indicator_code.in_(scored)
    has_value = Submission.value_text != ""
    subs = (
        Submission.select(
            Submission.unit, Submission.status, has_value, sub_scored, fn.COUNT(Submission.id)
        )
        .join(Assignment, on=Submission.of_its_assignment())
        .where(Submission.cycle == cycle)
    )
    if unit_ids is not None:
        subs = subs.where(Submission.unit.in_(unit_ids or [0]))
    for unit_id, status, filled, required, n in subs.group_by(
        Submission.unit, Submission.status, has_value, sub_scored
    ).tuples():
        row = counts.get(unit_id)
        if row is None:
            continue
        if filled:
            row["filled"] += n
        if status == SubmissionState.SUBMITTED:
            row["submitted"] += n
        elif status == SubmissionState.VERIFIED:
            row["verified"] += n
        elif status == SubmissionState.RETURNED:
            row["returned"] += n
        if required and status in HANDED_IN_SUBMISSION_STATES:
            row["required_handed_in"] += n
    return {unit_id: Progress(**row) for unit_id, row in counts.items()}


@dataclass
class UnitStatus:
    """One unit's self-report in a cycle as the office reads it: its :class:`Progress`, its
    state (填报进度: 未开始 … 已公布) and the colour of what it still owes (三色预警)."""

    unit: Unit | None
    progress: Progress
    open_rectifications: int  # not closed
    light: str = Light.GREEN
    state: str = ReportProgress.NOT_STARTED
    due: date | None = None  # the unit's 自评截止, its extension (延期) included
    unanswered_rectifications: int = 0  # 待整改: demanded, not yet answered
    overdue_rectifications: int = 0  # of those, past their 整改期限

    @property
    def assigned(self) -> int:
        return self.progress.indicators

    @property
    def filled(self) -> int:
        return self.progress.filled

    @property
    def submitted(self) -> int:
        return self.progress.submitted

    @property
    def verified(self) -> int:
        return self.progress.verified

    @property
    def returned(self) -> int:
        return self.progress.returned

    @property
    def complete(self) -> bool:
        return self.progress.complete


def report_progress(cycle_state: str, progress: Progress) -> ReportProgress:
    """未开始 / 填报中 / 已提交 / 已退回 / 已核定 / 已公布 for one unit's self-report: a
    published cycle is 已公布 for all; otherwise every scored item handed in and none
    waiting or sent back is 已核定, any item sent back 已退回, every scored item handed in
    已提交, anything saved 填报中."""
    if cycle_state in RESULT_CYCLE_STATES:
        return ReportProgress.PUBLISHED
    if progress.complete and not progress.submitted and not progress.returned:
        return ReportProgress.VERIFIED
    if progress.returned:
        return ReportProgress.RETURNED
    if progress.complete:
        return ReportProgress.SUBMITTED
    started = progress.filled or progress.handed_in
    return ReportProgress.FILLING if started else ReportProgress.NOT_STARTED


def outstanding_light(
    cycle_state: str,
    progress: Progress,
    due: date | None,
    rectification_dues: list[date],
    today: date,
) -> Light:
    """The colour of what the unit still owes: green when nothing (handed in, every demand
    answered; and before opening or once published); red when its self-report is unfinished
    after its 自评截止 ``due`` (or the cycle has moved on to inspection) or a demand is
    unanswered after its due date; yellow for anything else still owed."""
    if cycle_state not in REVIEWABLE_CYCLE_STATES:
        return Light.GREEN
    owes_report = not progress.complete
    report_late = owes_report and (
        cycle_state == CycleState.REVIEW or (due is not None and today > due)
    )
    if report_late or any(today > d for d in rectification_dues):
        return Light.RED
    return Light.YELLOW if owes_report or rectification_dues else Light.GREEN


def rectification_light(rect: Rectification, today: date | None = None) -> Light:
    """A demand's colour: answered (已报送) or closed is green, whatever its date; an open
    one yellow until its due date, red after."""
    if rect.status != RectificationState.OPEN:
        return Light.GREEN
    return Light.RED if (today or local_today()) > rect.due_date else Light.YELLOW


@dataclass
class Overview:
    page: object
    statuses: list[UnitStatus]
    totals: dict[str, int]
    rectifications: list[tuple[Rectification, str]]
    lights: dict[str, int] = field(default_factory=dict)  # colour -> number of units
    # Every unit (not this page's only) whose self-report is complete: the progress chart.
    complete_unit_ids: frozenset[int] = frozenset()


def unit_statuses(cycle: Cycle, today: date | None = None) -> dict[int, UnitStatus]:
    """unit id -> its status, for every unit assigned in the cycle (a fixed 4 queries)."""
    today = today or local_today()
    progress = unit_progress(cycle)
    unclosed: dict[int, int] = {}
    unanswered: dict[int, list[date]] = {}
    for unit_id, state, due in (
        Rectification.select(Rectification.unit, Rectification.status, Rectification.due_date)
        .where(Rectification.cycle == cycle, Rectification.status != RectificationState.CLOSED)
        .tuples()
    ):
        unclosed[unit_id] = unclosed.get(unit_id, 0) + 1
        if state == RectificationState.OPEN:
            unanswered.setdefault(unit_id, []).append(_as_date(due))
    statuses = {}
    for unit_id, p in progress.items():
        due = cycle.self_report_due_for(unit_id)
        dues = unanswered.get(unit_id, [])
        statuses[unit_id] = UnitStatus(
            None,
            p,
            unclosed.get(unit_id, 0),
            outstanding_light(cycle.state, p, due, dues, today),
            report_progress(cycle.state, p),
            due,
            len(dues),
            sum(1 for d in dues if d < today),
        )
    return statuses


def cycle_totals(statuses: Iterable[UnitStatus]) -> dict[str, int]:
    """The counts the office follows a cycle by, the same on its overview and its home page:
    a unit is 逾期未提交 when it has not handed everything in and its light is red."""
    values = list(statuses)
    return {
        "units": len(values),
        "complete": sum(1 for s in values if s.complete),
        "overdue": sum(1 for s in values if not s.complete and s.light == Light.RED),
        "waiting": sum(s.submitted for s in values),
        "returned": sum(s.returned for s in values),
        "open_rectifications": sum(s.open_rectifications for s in values),
        "overdue_rectifications": sum(s.overdue_rectifications for s in values),
    }


def _as_date(value) -> date:
    # SQLite hands a tuple query's date back as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def cycle_overview(cycle: Cycle, paginate_list) -> Overview:
    """The office's overview: every assigned unit in the unit tree's order, with the same
    :func:`unit_progress` the unit's own self-report page shows."""
    today = local_today()
    every = unit_statuses(cycle, today)
    units = units_in_tree_order(every)
    page = paginate_list(units)
    statuses = [dataclasses.replace(every[unit.id], unit=unit) for unit in page.items]
    values = list(every.values())
    totals = cycle_totals(values)
    lights = {light: sum(1 for s in values if s.light == light) for light in Light}
    rect_rows = (
        Rectification.select(Rectification, Unit)
        .join(Unit)
        .where(Rectification.cycle == cycle)
        .order_by(Rectification.status, Rectification.due_date)
        .limit(100)
    )
    rects = [(r, rectification_light(r, today)) for r in rect_rows]
    complete = frozenset(unit_id for unit_id, s in every.items() if s.complete)
    return Overview(page, statuses, totals, rects, lights, complete)


@dataclass
class RankingRow:
    unit: Unit
    total: Decimal
    grade: str
    rank: int | None
    veto: bool
    missing: list[str]


@dataclass
class RankingTable:
    kind: str
    label: str
    rows: list[RankingRow] = field(default_factory=list)


def _kind_key(kind: str) -> int:
    order = ASSESSED_UNIT_KINDS
    return order.index(kind) if kind in order else len(order)


def _record_row(rec: UnitResultRecord) -> RankingRow:
    return RankingRow(
        rec.unit, Decimal(rec.total), rec.grade, rec.rank, rec.veto, json.loads(rec.missing)
    )


def all_rankings(cycle: Cycle, preview: bool = False) -> list[RankingTable] | None:
    """Every kind's full ranking table (for exports): the published snapshot or a preview."""
    tables: dict[str, RankingTable] = {}
    if preview:
        results, units, _notes = compute_results(cycle)
        for r in results:
            table = tables.setdefault(r.kind, RankingTable(r.kind, unit_kind_label(r.kind)))
            table.rows.append(
                RankingRow(units[r.unit], r.total, r.grade, r.rank, r.veto, list(r.missing))
            )
    else:
        snapshot = current_snapshot(cycle)
        if snapshot is None:
            return None
        for rec in _records(snapshot):
            tables.setdefault(
                rec.kind, RankingTable(rec.kind, unit_kind_label(rec.kind))
            ).rows.append(_record_row(rec))
    return sorted(tables.values(), key=lambda t: _kind_key(t.kind))


def _records(snapshot: ResultSnapshot, kind: str | None = None):
    # Only what a ranking row shows: the per-indicator JSON is large and not needed here.
    r = UnitResultRecord
    query = (
        r.select(r.id, r.unit, r.kind, r.total, r.grade, r.rank, r.veto, r.missing, Unit)
        .join(Unit)
        .where(UnitResultRecord.snapshot == snapshot)
        .order_by(UnitResultRecord.kind, UnitResultRecord.veto, UnitResultRecord.rank, Unit.code)
    )
    return query.where(UnitResultRecord.kind == kind) if kind else query


@dataclass
class RankingView:
    kinds: list[tuple[str, str]]  # (kind, label) tabs
    kind: str
    page: object  # a Page of RankingRow


def ranking_view(cycle: Cycle, kind: str | None, paginate, paginate_list, preview: bool = False):
    """One kind's ranking, one page at a time; None when nothing is published (no preview).

    The view passes its pagers (``paginate`` for a query, ``paginate_list`` for computed
    rows): which page was asked for is the request's business, not this read model's.
    """
    if preview:
        tables = all_rankings(cycle, preview=True) or []
        kinds = [(t.kind, t.label) for t in tables]
        chosen = kind if kind in dict(kinds) else (kinds[0][0] if kinds else "")
        rows = next((t.rows for t in tables if t.kind == chosen), [])
        return RankingView(kinds, chosen, paginate_list(rows))
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return None
    present = [
        k
        for (k,) in UnitResultRecord.select(UnitResultRecord.kind)
        .where(UnitResultRecord.snapshot == snapshot)
        .distinct()
        .tuples()
    ]
    kinds = [(k, unit_kind_label(k)) for k in sorted(present, key=_kind_key)]
    chosen = kind if kind in present else (kinds[0][0] if kinds else "")
    page = paginate(_records(snapshot, chosen))
    page = dataclasses.replace(page, items=[_record_row(rec) for rec in page.items])
    return RankingView(kinds, chosen, page)


@dataclass
class ResultLine:
    """One indicator of a unit's published result. ``target``, ``self_reported`` and
    ``verified`` are as stored (``95``, ``175/200``); pages and reports show them through
    ``core.formatting.indicator_target`` and ``indicator_value`` with ``measure``."""

    category: str
    code: str
    name: str
    unit: str
    target: str
    weight: str
    self_reported: str
    verified: str
    score: str
    deduction: str
    deduction_reason: str
    formula: str
    source: str
    missing: bool
    measure: str = ""
    #: The formula in plain Chinese (得分依据) for print; "" in a snapshot published before
    #: it was stored.
    basis: str = ""
    #: Why the inspector's 核定值 differs from the self-reported value (核定理由).
    verify_reason: str = ""


@dataclass(frozen=True)
class KindComparison:
    """The published totals of the units of one kind (同类单位), as aggregates only: what a
    unit sees of the others when the office does not show names (UNITS_SEE_PEERS)."""

    count: int
    average: Decimal
    highest: Decimal
    lowest: Decimal


def kind_comparison(snapshot: ResultSnapshot, kind: str) -> KindComparison | None:
    """Count, mean, highest and lowest total of ``kind`` in ``snapshot``; None if empty."""
    totals = [
        Decimal(total)
        for (total,) in UnitResultRecord.select(UnitResultRecord.total)
        .where(UnitResultRecord.snapshot == snapshot, UnitResultRecord.kind == kind)
        .tuples()
    ]
    if not totals:
        return None
    average = (sum(totals, Decimal(0)) / len(totals)).quantize(TWO)
    return KindComparison(len(totals), average, max(totals), min(totals))


@dataclass
class UnitResultView:
    unit: Unit
    record: UnitResultRecord | None
    snapshot: ResultSnapshot | None
    lines: list[ResultLine]
    categories: list[tuple[str, Decimal, Decimal]]  # name, score, weight
    rank_of: int
    # The unit's kind without names: what a unit may always see of the others.
    kind_comparison: KindComparison | None = None


def unit_result_view(cycle: Cycle, unit_id: int) -> UnitResultView | None:
    unit = Unit.get_or_none(Unit.id == unit_id)
    snapshot = current_snapshot(cycle)
    if unit is None or snapshot is None:
        return None
    record = UnitResultRecord.get_or_none(
        UnitResultRecord.snapshot == snapshot, UnitResultRecord.unit == unit
    )
    if record is None:
        return None
    rank_of = (
        UnitResultRecord.select()
        .where(UnitResultRecord.snapshot == snapshot, UnitResultRecord.kind == record.kind)
        .count()
    )
    scores = json.loads(record.scores)
    parsed = indicator_set(cycle)
    subs = {
        s.indicator_code: s
        for s in Submission.select().where(Submission.cycle == cycle, Submission.unit == unit)
    }
    overrides = {
        a.indicator_code: a
        for a in Assignment.select().where(Assignment.cycle == cycle, Assignment.unit == unit)
    }
    lines, categories = [], []
    for category in parsed.categories:
        got = weight = Decimal(0)
        for ind in category.indicators:
            if ind.code not in scores:
                continue
            s, sub, a = scores[ind.code], subs.get(ind.code), overrides.get(ind.code)
            target = a.target if a and a.target is not None else ind.target
            w = a.weight if a and a.weight is not None else ind.weight
            lines.append(
                ResultLine(
                    category.name,
                    ind.code,
                    ind.name,
                    ind.unit,
                    plain_number(target),
                    plain_number(w),
                    sub.value_text if sub else "",
                    sub.verified_value_text if sub else "",
                    s["score"],
                    # What the deduction took off, as published (扣完为止), not as typed.
                    s.get("deduction") or "",
                    sub.deduction_reason if sub else "",
                    s["formula"],
                    s["source"],
                    s["missing"],
                    ind.measure,
                    s.get("basis", ""),
                    sub.verify_reason if sub and sub.verified_value_text else "",
                )
            )
            if ind.is_base:
                got += Decimal(s["score"])
                weight += Decimal(w)
        if weight:
            categories.append((category.name, got, weight))
    return UnitResultView(
        unit, record, snapshot, lines, categories, rank_of, kind_comparison(snapshot, record.kind)
    )


def radar_for(view: UnitResultView) -> str | None:
    """The radar chart by category (SVG), the same function the PDF report uses.

    A published snapshot never changes, so its charts are drawn once per process.
    """
    if len(view.categories) < 3:  # a radar needs three axes to mean anything
        return None
    categories = tuple((name, score, weight) for name, score, weight in view.categories)
    return _radar_svg(view.snapshot.id, view.unit.id, categories)


@lru_cache(maxsize=512)
def _radar_svg(snapshot_id: int, unit_id: int, categories: tuple) -> str:
    # matplotlib loads with the first chart, not with every cycle page.
    from assess.reports.charts import radar_chart

    return radar_chart(
        [
            CategoryScore(name[:2], name, score, weight, (score * 100 / weight).quantize(TWO))
            for name, score, weight in categories
        ]
    )
