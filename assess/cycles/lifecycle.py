"""The annual cycle (考核周期): creating it from an indicator set, assigning indicators to
units (目标责任书), and moving it through draft → open → review → published → archived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _

from assess.core import audit
from assess.core.db import database
from assess.core.enums import ASSESSED_UNIT_KINDS, CycleState
from assess.core.labels import cycle_state_label
from assess.core.models import utcnow
from assess.cycles.models import Assignment, Cycle
from assess.units.models import Unit
from scoring.loader import IndicatorSetError, parse_indicator_set
from scoring.model import IndicatorSet

# state -> states it may move to by an explicit admin action. Publishing has its own
# function because it computes and stores results; republishing stays in "published".
TRANSITIONS: dict[CycleState, tuple[CycleState, ...]] = {
    CycleState.DRAFT: (CycleState.OPEN,),
    CycleState.OPEN: (CycleState.REVIEW,),
    CycleState.REVIEW: (CycleState.OPEN, CycleState.PUBLISHED),
    CycleState.PUBLISHED: (CycleState.ARCHIVED,),
    CycleState.ARCHIVED: (),
}
CYCLE_AUDIT_FIELDS = (
    "year",
    "name",
    "state",
    "indicator_source",
    "self_report_due",
    "review_due",
    "previous",
)


class CycleError(ValueError):
    """A cycle operation that cannot be done; ``errors`` lists every reason for the user."""

    def __init__(self, message: str, errors: Iterable[str] = ()):
        super().__init__(message)
        self.errors = list(errors)


@lru_cache(maxsize=32)
def _parse_cached(digest: str, text: str, filename: str) -> IndicatorSet:
    return parse_indicator_set(text, filename)


def parse_set(text: str, filename: str = "indicators.yaml") -> IndicatorSet:
    """Parse an indicator set (cached by content); raise CycleError listing every problem."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        return _parse_cached(digest, text, filename)
    except IndicatorSetError as exc:
        raise CycleError(_("指标体系文件有误"), exc.errors) from exc


def indicator_set(cycle: Cycle) -> IndicatorSet:
    """The cycle's own (frozen once opened) indicator set."""
    return parse_set(cycle.indicator_yaml, f"cycle-{cycle.id}.yaml")


def _assessed_units() -> list[Unit]:
    return list(
        Unit.select()
        .where(Unit.active == True, Unit.kind.in_(ASSESSED_UNIT_KINDS))  # noqa: E712
        .order_by(Unit.sort_order, Unit.code)
    )


def _assign(cycle: Cycle, parsed: IndicatorSet) -> int:
    """(Re)create the cycle's assignments from ``applies_to``; return how many."""
    Assignment.delete().where(Assignment.cycle == cycle).execute()
    rows = [
        {"cycle": cycle.id, "unit": unit.id, "indicator_code": indicator.code}
        for unit in _assessed_units()
        for indicator in parsed.applicable(unit.code, unit.kind)
    ]
    for start in range(0, len(rows), 500):
        Assignment.insert_many(rows[start : start + 500]).execute()
    return len(rows)


def create_cycle(
    year: int,
    name: str,
    yaml_text: str,
    source_label: str,
    self_report_due: date | None = None,
    review_due: date | None = None,
    previous: Cycle | None = None,
    actor=None,
) -> Cycle:
    """Create a draft cycle from an indicator set's text and assign its indicators to units."""
    parsed = parse_set(yaml_text, source_label or "indicators.yaml")
    name = name.strip() or parsed.program
    with database.atomic():
        if Cycle.select().where(Cycle.year == year, Cycle.name == name).exists():
            raise CycleError(_("已存在同年度同名的考核周期：%(y)s %(n)s", y=year, n=name))
        cycle = Cycle.create(
            year=year,
            name=name,
            indicator_yaml=yaml_text,
            indicator_source=source_label,
            self_report_due=self_report_due,
            review_due=review_due,
            previous=previous,
        )
        count = _assign(cycle, parsed)
        after = audit.model_snapshot(cycle, CYCLE_AUDIT_FIELDS) | {"assignments": count}
        audit.record("cycle.create", "cycle", cycle.id, after=after, actor=actor)
    return cycle


def replace_indicator_set(cycle: Cycle, yaml_text: str, source_label: str, actor=None) -> None:
    """Swap a draft cycle's indicator set; refused once the cycle is open (frozen)."""
    if cycle.state != CycleState.DRAFT:
        raise CycleError(_("考核周期已开启，指标体系已冻结，不能再修改"))
    parsed = parse_set(yaml_text, source_label)
    with database.atomic():
        before = {"indicator_source": cycle.indicator_source}
        cycle.indicator_yaml, cycle.indicator_source = yaml_text, source_label
        cycle.save()
        count = _assign(cycle, parsed)
        audit.record(
            "cycle.indicators",
            "cycle",
            cycle.id,
            before=before,
            after={"indicator_source": source_label, "assignments": count},
            actor=actor,
        )


def set_override(
    assignment: Assignment, target: Decimal | None, weight: Decimal | None, actor=None
) -> None:
    """Set a unit's own target and weight for one indicator (目标责任书); draft cycles only."""
    cycle = assignment.cycle
    if cycle.state != CycleState.DRAFT:
        raise CycleError(_("考核周期已开启，目标责任书不能再修改"))
    # NaN cannot even be compared, and the columns hold 10 and 6 digits before the point.
    for value, limit in ((target, 10**10), (weight, 10**6)):
        if value is not None and not (value.is_finite() and abs(value) < limit):
            raise CycleError(_("请输入有效的数字"))
    if weight is not None and weight <= 0:
        raise CycleError(_("权重必须大于 0"))
    indicator = indicator_set(cycle).indicator(assignment.indicator_code)
    if weight is not None and indicator.rule in ("bonus", "veto"):
        raise CycleError(_("加分项和一票否决项没有权重"))
    with database.atomic():
        before = {"target": assignment.target, "weight": assignment.weight}
        assignment.target, assignment.weight = target, weight
        assignment.save()
        audit.record(
            "assignment.override",
            "assignment",
            assignment.id,
            before=before,
            after={"target": target, "weight": weight},
            actor=actor,
        )


def transition(cycle: Cycle, to_state: str, actor=None, reason: str = "") -> Cycle:
    """Move a cycle to ``to_state`` if allowed (publishing goes through publishing.publish)."""
    if to_state not in TRANSITIONS.get(cycle.state, ()):
        raise CycleError(
            _(
                "不能从“%(a)s”转到“%(b)s”",
                a=cycle_state_label(cycle.state),
                b=cycle_state_label(to_state),
            )
        )
    if to_state == CycleState.PUBLISHED:
        raise CycleError(_("请使用“发布结果”操作"))
    if cycle.state == CycleState.REVIEW and to_state == CycleState.OPEN and not reason.strip():
        raise CycleError(_("重新开放填报须填写原因"))
    with database.atomic():
        before = {"state": cycle.state}
        cycle.state = to_state
        if to_state == CycleState.OPEN and cycle.opened_at is None:
            cycle.opened_at = utcnow()
        cycle.save()
        audit.record(
            "cycle.transition",
            "cycle",
            cycle.id,
            before=before,
            after={"state": to_state, "reason": reason},
            actor=actor,
        )
    return cycle


def overrides_for(cycle: Cycle) -> dict[int, dict[str, dict[str, Decimal]]]:
    """unit id -> indicator code -> {target, weight} for every override in the cycle."""
    result: dict[int, dict[str, dict[str, Decimal]]] = {}
    query = Assignment.select().where(
        Assignment.cycle == cycle,
        (Assignment.target.is_null(False)) | (Assignment.weight.is_null(False)),
    )
    for row in query:
        changes = {}
        if row.target is not None:
            changes["target"] = Decimal(row.target)
        if row.weight is not None:
            changes["weight"] = Decimal(row.weight)
        result.setdefault(row.unit_id, {})[row.indicator_code] = changes
    return result
