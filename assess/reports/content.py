"""Report contents from the database: what the unit inspection report and the city summary
show, as the plain data classes of ``assess.reports.data``."""

from __future__ import annotations

import json
from decimal import Decimal

from flask_babel import gettext as _
from peewee import fn

from assess.accounts.models import User
from assess.core import audit
from assess.core.enums import AppealState, SubmissionState
from assess.core.formatting import indicator_target, indicator_value, local_date, plain_number
from assess.core.labels import (
    appeal_state_label,
    cycle_state_label,
    rectification_state_label,
    unit_kind_label,
)
from assess.cycles import appeals, rollup
from assess.cycles.ledger import ledger_rows
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import (
    Appeal,
    Cycle,
    Rectification,
    ResultSnapshot,
    Submission,
    UnitResultRecord,
)
from assess.cycles.pages import all_rankings, unit_result_view
from assess.cycles.publishing import current_snapshot
from assess.cycles.rectifications import evidence_of
from assess.evidence.models import Evidence
from assess.reports.data import (
    AppealRow,
    AuditFingerprint,
    CategoryScore,
    CitySummaryData,
    EvidenceRow,
    HeatMap,
    IndicatorRow,
    InspectionFacts,
    KindRanking,
    KindTotals,
    LedgerUnitRow,
    OwnAssessmentRow,
    PreviousResult,
    ProblemRow,
    RankingRow,
    RectificationRow,
    UnitReportData,
)
from assess.reports.render import cn_date
from assess.units.models import Unit
from scoring import ledger
from scoring.engine import grade_distribution
from scoring.model import GRADE_LEVELS, Indicator
from scoring.values import format_value

TWO = Decimal("0.01")


def _previous_totals(cycle: Cycle) -> dict[int, Decimal]:
    """unit id -> last cycle's published total, for the year-over-year columns."""
    if cycle.previous_id is None:
        return {}
    snapshot = current_snapshot(cycle.previous)
    if snapshot is None:
        return {}
    return {
        unit_id: Decimal(total)
        for unit_id, total in UnitResultRecord.select(UnitResultRecord.unit, UnitResultRecord.total)
        .where(UnitResultRecord.snapshot == snapshot)
        .tuples()
    }


def _target_level(indicator: Indicator) -> str:
    """What a yes/no or graded indicator aims at, for the 目标值 column: 是 (否 for a veto,
    which a unit must not incur), or the lowest grade that earns the full weight (优 unless
    the set's grade_points say otherwise); "" for any other."""
    if indicator.measure == "boolean":
        return format_value(indicator.rule != "veto")  # as the values read: 是, 否
    if indicator.measure == "grade":
        points = indicator.points()
        full = [level for level in GRADE_LEVELS if points.get(level, 0) >= 1]
        return full[-1] if full else ""
    return ""


def _fingerprint(snapshot: ResultSnapshot) -> AuditFingerprint | None:
    if snapshot.audit_count is None:
        return None
    return AuditFingerprint(snapshot.audit_count, audit.fingerprint(snapshot.audit_mac))


def issuing_office(cycle: Cycle, city_office: str) -> str:
    """The office that issues ``cycle``'s reports and results (发文机关, SPEC §9): the
    leading-group office of the unit that runs it (``owner``), or ``city_office`` (the
    ``ISSUING_OFFICE`` setting) for the city's own cycles."""
    if cycle.owner_id is None:
        return city_office
    return _("%(unit)s流动人口服务管理工作领导小组办公室", unit=cycle.owner.name)


# The last character of an owner's name says what its area is called (中牟县 → 全县).
AREA_SUFFIXES = "市县区镇乡"


def assessed_area(cycle: Cycle) -> str:
    """What the reports call the whole of the units assessed: 全市 for the city's own
    cycles, 全县/全区/全镇 for one run by a county, district or township, and
    参加考核的 for an owner whose name says no area (a department, a sub-district)."""
    if cycle.owner_id is None:
        return _("全市")
    last = cycle.owner.name[-1:]
    return _("全%(area)s", area=last) if last in AREA_SUFFIXES else _("参加考核的")


def unit_report(
    cycle: Cycle, unit: Unit, office: str, *, show_peers: bool = False
) -> UnitReportData | None:
    """The unit's inspection report (督查报告) from the current snapshot, issued by the
    cycle's owner, or by ``office`` (the ``ISSUING_OFFICE`` setting) for the city's own
    cycle (``issuing_office``); None if unpublished. The report goes to the unit, so
    it names the other units of its kind only with ``show_peers`` (``UNITS_SEE_PEERS``);
    it always compares the unit with its kind's average, highest and lowest total. The
    report is dated (成文日期) the day the snapshot was published, on the office's calendar,
    so every reprint carries the same date."""
    view = unit_result_view(cycle, unit.id)
    if view is None:
        return None
    parsed = indicator_set(cycle)
    rows = tuple(
        IndicatorRow(
            line.category,
            line.code,
            line.name,
            line.unit,
            indicator_target(line.target, line.measure, fixed=True)
            or _target_level(parsed.indicator(line.code)),
            indicator_value(line.self_reported, line.measure, fixed=True),
            indicator_value(line.verified, line.measure, fixed=True),
            Decimal(line.score),
            Decimal(line.weight),
            Decimal(line.deduction) if line.deduction else None,
            line.deduction_reason,
            # In plain Chinese; a snapshot from before it was stored has the formula only.
            line.basis or line.formula,
            line.source,
        )
        for line in view.lines
    )
    codes = {c.name: c.code for c in parsed.categories}
    categories = tuple(
        CategoryScore(
            codes.get(name, ""),
            name,
            score.quantize(TWO),
            weight,
            _rate(score, weight),
        )
        for name, score, weight in view.categories
    )
    answers = list(
        Submission.select(
            Submission.id,
            Submission.indicator_code,
            Submission.status,
            Submission.verify_reason,
            Submission.return_reason,
        ).where(Submission.cycle == cycle, Submission.unit == unit)
    )
    subs = {s.id: s.indicator_code for s in answers}
    evidence = tuple(
        EvidenceRow(
            subs.get(e.submission_id, ""), e.original_name, e.kind.upper(), e.pages, e.uploaded_at
        )
        for e in Evidence.select()
        .where(Evidence.submission.in_(list(subs) or [0]))
        .order_by(Evidence.submission, Evidence.id)
    )
    demands = list(
        Rectification.select()
        .where(Rectification.cycle == cycle, Rectification.unit == unit)
        .order_by(Rectification.due_date)
    )
    answered = evidence_of(demands)
    rects = tuple(
        RectificationRow(
            r.indicator_code,
            r.demand,
            r.due_date,
            rectification_state_label(r.status),
            r.response,
            tuple(e.original_name for e in answered[r.id]),
        )
        for r in demands
    )
    problems = problem_list(rows, {s.indicator_code: s for s in answers}, rects)
    peer_rows: tuple[RankingRow, ...] = ()
    if show_peers:
        peers = next((t for t in all_rankings(cycle) or [] if t.kind == view.record.kind), None)
        if peers:
            peer_rows = tuple(
                RankingRow(r.rank, r.unit.name, r.total, r.grade, r.veto) for r in peers.rows
            )
    compared = view.kind_comparison
    kind_totals = (
        KindTotals(compared.count, compared.average, compared.highest, compared.lowest)
        if compared
        else None
    )
    return UnitReportData(
        parsed.program,
        cycle.year,
        issuing_office(cycle, office),
        assessed_area(cycle),
        local_date(view.snapshot.published_at),
        unit.code,
        unit.name,
        unit_kind_label(view.record.kind),
        Decimal(view.record.total),
        view.record.grade,
        view.record.rank,
        view.rank_of,
        view.record.veto,
        categories,
        rows,
        evidence,
        rects,
        peer_rows,
        kind_totals=kind_totals,
        audit=_fingerprint(view.snapshot),
        appeals=_appeal_rows(cycle, appeals.of_unit(cycle, unit.id)),
        problems=problems,
        previous=_previous_result(cycle, unit),
        inspection=_inspection(cycle, unit),
        own_assessments=own_assessment_rows(cycle, [unit]),
    )


def _rate(score: Decimal, weight: Decimal) -> Decimal:
    return (score * 100 / weight).quantize(TWO)


def _previous_result(cycle: Cycle, unit: Unit) -> PreviousResult | None:
    """The unit's result in the published cycle before this one, or None."""
    if cycle.previous_id is None:
        return None
    view = unit_result_view(cycle.previous, unit.id)
    if view is None:
        return None
    return PreviousResult(
        cycle.previous.year,
        Decimal(view.record.total),
        view.record.grade,
        view.record.rank,
        view.rank_of,
        tuple((name, _rate(score, weight)) for name, score, weight in view.categories),
    )


def _inspection(cycle: Cycle, unit: Unit) -> InspectionFacts:
    """The days the unit's items were reviewed up to the first publication (a later review
    answers an appeal, not the inspection) and the reviewers, first to review first."""
    published = (
        ResultSnapshot.select(fn.MIN(ResultSnapshot.published_at))
        .where(ResultSnapshot.cycle == cycle)
        .scalar()
    )
    reviews = (
        Submission.select(Submission.reviewed_at, User.display_name, User.username)
        .join(User, on=(Submission.reviewed_by == User.id))
        .where(
            Submission.cycle == cycle,
            Submission.unit == unit,
            Submission.reviewed_at.is_null(False),
            *([Submission.reviewed_at <= published] if published else []),
        )
        .order_by(Submission.reviewed_at)
        .tuples()
    )
    days, team = [], []
    for at, display_name, username in reviews:
        days.append(local_date(at))
        name = display_name or username
        if name not in team:
            team.append(name)
    if not days:
        return InspectionFacts()
    return InspectionFacts(min(days), max(days), tuple(team))


def problem_list(rows, answers: dict, demands) -> tuple[ProblemRow, ...]:
    """The 问题清单 of a unit report: per indicator in the set's order, its deduction with
    the reason, its 核定值 where it differs from the self-reported value with the
    inspector's reason, its return if it was still sent back; then each rectification
    demand (``indicator_code``, ``demand``, ``due_date``) with its indicator and due date.
    ``answers`` are the unit's submissions by indicator code (``status``, ``verify_reason``,
    ``return_reason``). Indicators are named by their 编号, as in 指标得分明细."""
    out = []
    for row in rows:
        label = row.code  # the 编号 the 指标得分明细 table prints beside the name
        answer = answers.get(row.code)
        if row.deduction:
            out.append(
                ProblemRow(
                    _("扣分"),
                    label,
                    _("扣 %(d)s 分：%(why)s", d=f"{row.deduction:.2f}", why=row.deduction_reason)
                    if row.deduction_reason
                    else _("扣 %(d)s 分", d=f"{row.deduction:.2f}"),
                )
            )
        if row.verified and row.verified != row.self_reported:
            why = answer.verify_reason if answer is not None else ""
            said = _(
                "自评值 %(s)s，核定值 %(v)s",
                s=row.self_reported or _("未填报"),
                v=row.verified,
            )
            out.append(ProblemRow(_("核定"), label, f"{said}：{why}" if why else said))
        if answer is not None and answer.status == SubmissionState.RETURNED:
            out.append(
                ProblemRow(
                    _("退回"),
                    label,
                    _("退回修改，未重新提交：%(why)s", why=answer.return_reason)
                    if answer.return_reason
                    else _("退回修改，未重新提交"),
                )
            )
    for demand in demands:
        code = demand.indicator_code or ""
        out.append(
            ProblemRow(
                _("整改要求"),
                code,
                _(
                    "%(demand)s（整改时限：%(due)s）",
                    demand=demand.demand,
                    due=cn_date(demand.due_date),
                ),
            )
        )
    return tuple(out)


def _appeal_rows(cycle: Cycle, rows: list[Appeal], with_unit: bool = False) -> tuple:
    """The appeals (复核申诉) as a report prints them, oldest first."""
    names = {i.code: i.name for i in indicator_set(cycle).indicators()}
    return tuple(
        AppealRow(
            a.indicator_code,
            names.get(a.indicator_code, ""),
            a.reason,
            a.filed_at,
            appeal_state_label(a.state),
            a.answer,
            _correction(a) if a.state == AppealState.UPHELD else "",
            a.unit.name if with_unit else "",
        )
        for a in sorted(rows, key=lambda a: (a.filed_at, a.id))
    )


def _correction(a: Appeal) -> str:
    value = (
        _("核定值 %(v)s", v=a.verified_value_text) if a.verified_value_text else _("按自评值核定")
    )
    if a.deduction:
        return value + _("，扣分 %(d)s", d=plain_number(a.deduction))
    return value + _("，未扣分")


def city_summary(cycle: Cycle, office: str) -> CitySummaryData | None:
    """The city summary (全市汇总报告) of a published cycle, issued by its owner or by
    ``office`` (``issuing_office``) and dated
    the day its current snapshot was published (office's calendar); None if unpublished."""
    tables = all_rankings(cycle)
    snapshot = current_snapshot(cycle)
    if tables is None or snapshot is None:
        return None
    parsed = indicator_set(cycle)
    previous = _previous_totals(cycle)
    rankings = tuple(
        KindRanking(
            t.label,
            tuple(
                RankingRow(r.rank, r.unit.name, r.total, r.grade, r.veto, previous.get(r.unit.id))
                for r in t.rows
            ),
            t.kind,
        )
        for t in tables
    )
    distribution = grade_distribution(parsed, (row.grade for t in tables for row in t.rows))
    return CitySummaryData(
        parsed.program,
        cycle.year,
        issuing_office(cycle, office),
        assessed_area(cycle),
        local_date(snapshot.published_at),
        rankings,
        distribution,
        _heatmap(cycle, snapshot, tables),
        cycle.previous.year if cycle.previous_id and previous else None,
        tuple(u["name"] for u in snapshot.unreported_units),
        snapshot.unreported_reason,
        audit=_fingerprint(snapshot),
        appeals=_appeal_rows(cycle, appeals.of_cycle(cycle), with_unit=True),
        own_assessments=own_assessment_rows(cycle, [r.unit for t in tables for r in t.rows]),
        **_ledger(cycle),
    )


def own_assessment_rows(cycle: Cycle, units: list[Unit]) -> tuple[OwnAssessmentRow, ...]:
    """The assessments that ``units``' own offices (or offices below them) ran in
    ``cycle``'s year, listed under each unit in the order given."""
    owned = rollup.owned_by(cycle, units)
    return tuple(
        OwnAssessmentRow(
            u.name,
            a.owner,
            a.name,
            cycle_state_label(a.state),
            a.published,
            a.assessed,
            "、".join(unit_kind_label(k) for k in a.kinds) or _("单位"),
            a.grades,
            a.cycle_id,
        )
        for u in units
        for a in owned.get(u.id, ())
    )


def _ledger(cycle: Cycle) -> dict:
    """The cycle's claimed-vs-verified totals (核减台账) per unit and in all, as the
    ``ledger`` and ``ledger_total`` of :class:`CitySummaryData`; empty when no unit
    reported a value."""
    rows = ledger_rows(cycle)
    if not rows:
        return {}
    names = {r.unit.code: r.unit.name for r in rows}
    lines = [r.line for r in rows]

    def row(name: str, t: ledger.LedgerTotals) -> LedgerUnitRow:
        return LedgerUnitRow(name, t.items, t.reduced, t.share, t.deductions)

    return {
        "ledger": tuple(row(names[t.key], t) for t in ledger.per_unit(lines)),
        "ledger_total": row(_("合计"), ledger.totals("", lines)),
    }


def _heatmap(cycle: Cycle, snapshot, tables) -> HeatMap | None:
    """Score rate per scored indicator × unit of the largest kind (counties, usually)."""
    if not tables:
        return None
    table = max(tables, key=lambda t: len(t.rows))
    parsed = indicator_set(cycle)
    records = {
        rec.unit_id: json.loads(rec.scores)
        for rec in UnitResultRecord.select(UnitResultRecord.unit, UnitResultRecord.scores).where(
            UnitResultRecord.snapshot == snapshot, UnitResultRecord.kind == table.kind
        )
    }
    indicators = [
        i for i in parsed.indicators() if i.is_base and any(i.code in s for s in records.values())
    ]
    units = [r.unit for r in table.rows]
    values = tuple(
        tuple(
            (Decimal(records[u.id][i.code]["score"]) * 100 / Decimal(i.weight)).quantize(TWO)
            if i.code in records.get(u.id, {}) and i.weight
            else None
            for u in units
        )
        for i in indicators
    )
    return HeatMap(
        tuple(f"{i.code} {i.name}" for i in indicators),
        tuple(u.name for u in units),
        values,
        table.kind,
    )
