"""The annual cycle (考核周期): creating it from an indicator set, assigning indicators to
units (目标责任书), and moving it through draft → open → review → published → archived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

import peewee as pw
from flask_babel import gettext as _

from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import ASSESSED_UNIT_KINDS, CycleState, NotificationKind
from assess.core.labels import cycle_state_label
from assess.core.models import utcnow
from assess.core.policy import before_deadline, cycle_allows
from assess.cycles.models import Assignment, Cycle
from assess.notifications import store
from assess.units.models import Unit
from assess.units.tree import in_tree_order
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
    "owner",
)


class CycleError(ValueError):
    """A cycle operation that cannot be done; ``errors`` lists every reason for the user."""

    def __init__(self, message: str, errors: Iterable[str] = ()):
        super().__init__(message)
        self.errors = list(errors)


def write_refused(write: str) -> str:
    """What the user reads when the cycle's state does not take a ``write`` of that kind
    (a ``assess.core.policy.CYCLE_WRITES`` key)."""
    messages = {
        "setup": _("考核周期已开启，指标体系和目标责任书已冻结，不能再修改"),
        "self_report": _("考核周期不在自评填报阶段，不能修改"),
        "review": _("考核周期不在核查阶段"),
        "rectification": _("考核周期不在自评或核查阶段，整改要求及其报送不能再修改"),
        "publish": _("只有督查核查阶段或已公布的考核周期才能发布结果"),
        "deadlines": _("结果已公布，截止日期不能再修改"),
        "chase": _("只有自评填报或督查核查阶段才能催报"),
        "appeal": _("考核结果公布后、归档前方可提出和答复复核申诉"),
        "appeal_due": _("只有已开启且未归档的考核周期才能设定申诉截止日期"),
    }
    return messages[write]


def deadline_passed(cycle: Cycle, unit_id: int) -> str:
    """What a unit's reporter reads when its self-report deadline (自评截止) has passed."""
    return _(
        "自评填报已于 %(d)s 截止，不能再修改或提交；如需补报，请联系领导小组办公室申请延期",
        d=cycle.self_report_due_for(unit_id).isoformat(),
    )


def locked_cycle(
    cycle_id: int,
    write: str | None = None,
    error: type[Exception] | None = None,
    unit_id: int | None = None,
) -> Cycle:
    """The cycle re-read inside the caller's transaction (see ``assess.core.db.locked``).

    With ``write`` (a ``CYCLE_WRITES`` key) the row is shared-locked and ``error`` (default
    CycleError) is raised with ``write_refused(write)`` when its state does not take that
    write: writers of one kind go on side by side and a state change waits for them all.
    With ``unit_id`` too, a write a deadline closes is refused (``deadline_passed``) once
    that unit's deadline has passed; extensions and deadlines change under the row's update
    lock, so the deadline read here holds until the caller commits.
    Without ``write``, it is locked for update, for the one transaction that changes it.
    """
    row = locked(Cycle, cycle_id, share=write is not None)
    if write is not None and not cycle_allows(row, write):
        raise (error or CycleError)(write_refused(write))
    if write is not None and unit_id is not None and not before_deadline(row, write, unit_id):
        raise (error or CycleError)(deadline_passed(row, unit_id))
    return row


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


def indicator_order(cycle: Cycle, column) -> pw.Case:
    """An ORDER BY expression putting rows in the set's order of indicators by their
    indicator-code ``column`` (A2 before A10, as the set lists them)."""
    codes = [indicator.code for indicator in indicator_set(cycle).indicators()]
    return pw.Case(column, [(code, n) for n, code in enumerate(codes)] or [("", 0)], len(codes))


def indicator_set_title(cycle: Cycle) -> str:
    """The cycle's indicator set as a person names it: its programme and year, never the
    file it came from."""
    try:
        parsed = indicator_set(cycle)
    except CycleError:
        return _("（指标体系无法读取）")
    return _("%(p)s（%(y)s 年）", p=parsed.program, y=parsed.year)


def _assessed_units(owner_id: int | None = None) -> list[Unit]:
    """The active units of assessed kinds a cycle may assess: every one for the city's
    cycle, the units below its owner for an office's (a county office assesses its
    townships and communities, never itself nor a unit outside its subtree)."""
    query = Unit.select().where(Unit.active == True, Unit.kind.in_(ASSESSED_UNIT_KINDS))  # noqa: E712
    if owner_id is not None:
        query = query.where(Unit.id.in_(list(Unit.subtree_of(owner_id) - {owner_id}) or [0]))
    return list(query.order_by(Unit.sort_order, Unit.code))


def units_in(cycle: Cycle) -> list[Unit]:
    """The units assessed in ``cycle`` (those with an assignment), in unit-tree order."""
    return in_tree_order(
        Unit.select()
        .join(Assignment, on=(Assignment.unit == Unit.id))
        .where(Assignment.cycle == cycle)
        .distinct()
    )


def _assign(cycle: Cycle, parsed: IndicatorSet) -> int:
    """(Re)create the cycle's assignments from ``applies_to``; return how many. An indicator
    whose value is taken from results (``from_cycle:``) is nobody's to report: it has no
    assignment, so it is on no self-report page, queue or progress count, and is scored
    from :mod:`assess.cycles.derived_values`."""
    Assignment.delete().where(Assignment.cycle == cycle).execute()
    rows = [
        {"cycle": cycle.id, "unit": unit.id, "indicator_code": indicator.code}
        for unit in _assessed_units(cycle.owner_id)
        for indicator in parsed.applicable(unit.code, unit.kind)
        if indicator.from_cycle is None
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
    owner: Unit | None = None,
) -> Cycle:
    """Create a draft cycle from an indicator set's text and assign its indicators to units:
    those its set applies to (``applies_to``: kinds or codes), below ``owner`` when an
    office of one level runs it (None: the city office, every unit)."""
    if self_report_due and review_due and review_due < self_report_due:
        raise CycleError(_("核查截止日期不能早于自评截止日期"))
    parsed = parse_set(yaml_text, source_label or "indicators.yaml")
    name = name.strip() or parsed.program
    with database.atomic():
        # Per owner: another office's cycle of the same name is neither a clash nor
        # something this office may learn of.
        same_owner = Cycle.owner.is_null() if owner is None else (Cycle.owner == owner)
        if Cycle.select().where(Cycle.year == year, Cycle.name == name, same_owner).exists():
            raise CycleError(_("已存在同年度同名的考核周期：%(y)s %(n)s", y=year, n=name))
        cycle = Cycle.create(
            year=year,
            name=name,
            indicator_yaml=yaml_text,
            indicator_source=source_label,
            self_report_due=self_report_due,
            review_due=review_due,
            previous=previous,
            owner=owner,
        )
        count = _assign(cycle, parsed)
        after = audit.model_snapshot(cycle, CYCLE_AUDIT_FIELDS) | {"assignments": count}
        audit.record("cycle.create", "cycle", cycle.id, after=after, actor=actor)
    return cycle


def replace_indicator_set(cycle: Cycle, yaml_text: str, source_label: str, actor=None) -> None:
    """Swap a draft cycle's indicator set; refused once the cycle is open (frozen)."""
    parsed = parse_set(yaml_text, source_label)
    with database.atomic():
        locked_cycle(cycle.id, "setup")
        before = {"indicator_source": cycle.indicator_source}
        cycle.indicator_yaml, cycle.indicator_source = yaml_text, source_label
        # Only these columns: a whole-row save would write back the caller's (stale) state.
        Cycle.update(indicator_yaml=yaml_text, indicator_source=source_label).where(
            Cycle.id == cycle.id
        ).execute()
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
        locked_cycle(cycle.id, "setup")
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


def edit_cycle(
    cycle: Cycle, current: Cycle, changes: dict[str, object], action: str, reason: str, actor
) -> None:
    """Write ``changes`` to the cycle row ``current`` that the caller locked in its
    transaction, mirror them on the caller's ``cycle``, and audit ``action`` with the
    columns before and after and the reason. Only these columns are written: the caller's
    copy may be stale in any other."""
    before = {key: getattr(current, key) for key in changes}
    Cycle.update(**changes).where(Cycle.id == current.id).execute()
    for key, value in changes.items():
        setattr(cycle, key, value)
    audit.record(
        action, "cycle", cycle.id, before=before, after={**changes, "reason": reason}, actor=actor
    )


def transition(cycle: Cycle, to_state: str, actor=None, reason: str = "") -> Cycle:
    """Move a cycle to ``to_state`` if allowed (publishing goes through publishing.publish);
    return the cycle as it now is. The state is checked on the row locked inside the
    transaction, so of two admins moving the same cycle at once the second is refused."""
    if to_state == CycleState.PUBLISHED:
        raise CycleError(_("请使用“发布结果”操作"))
    with database.atomic():
        current = locked_cycle(cycle.id)
        if to_state not in TRANSITIONS.get(current.state, ()):
            raise CycleError(
                _(
                    "不能从“%(a)s”转到“%(b)s”",
                    a=cycle_state_label(current.state),
                    b=cycle_state_label(to_state),
                )
            )
        if (
            current.state == CycleState.REVIEW
            and to_state == CycleState.OPEN
            and not reason.strip()
        ):
            raise CycleError(_("重新开放填报须填写原因"))
        before = {"state": current.state}
        # Only the columns this changes: the caller's copy may be stale in any other.
        changes = {"state": to_state}
        if to_state == CycleState.OPEN and current.opened_at is None:
            changes["opened_at"] = utcnow()
        Cycle.update(**changes).where(Cycle.id == current.id).execute()
        for key, value in changes.items():
            setattr(cycle, key, value)
        audit.record(
            "cycle.transition",
            "cycle",
            cycle.id,
            before=before,
            after={"state": to_state, "reason": reason},
            actor=actor,
        )
        if to_state == CycleState.OPEN:
            _notify_opened(current, reason.strip())
    return cycle


def assessed_unit_ids(cycle: Cycle) -> list[int]:
    """The ids of the units ``cycle`` assesses (those with an assignment), one query."""
    query = Assignment.select(Assignment.unit).where(Assignment.cycle == cycle.id).distinct()
    return [unit_id for (unit_id,) in query.tuples()]


def _notify_opened(cycle: Cycle, reason: str) -> None:
    """Tell the reporters of every unit the cycle assesses that self-report has begun (or
    begun again, with the office's reason), each with a link to its own unit's page."""
    store.notify_units(
        assessed_unit_ids(cycle),
        NotificationKind.CYCLE_OPENED,
        {
            "cycle": cycle.title,
            "due": cycle.self_report_due.isoformat() if cycle.self_report_due else "",
            "reason": reason,
        },
        lambda unit_id: store.target("selfreport.unit_page", cycle_id=cycle.id, unit_id=unit_id),
    )


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
