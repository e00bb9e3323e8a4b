"""Deadlines (截止日期): the cycle's 自评截止 and 核查截止, and one unit's extension (延期).

What a deadline closes is the policy's (``assess.core.policy.DEADLINE_WRITES``): after a
unit's 自评截止 its reporters change nothing of its self-report unless the office extends
that unit. The 核查截止 closes nothing by itself; the pre-publish check names it while it
has not passed. Every change here takes the cycle row's update lock, so a self-report
write (which share-locks the row and reads the deadline there) either finished before the
change or sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.formatting import local_today
from assess.core.policy import cycle_allows
from assess.cycles.lifecycle import CycleError, edit_cycle, locked_cycle, write_refused
from assess.cycles.models import Assignment, Cycle, DeadlineExtension
from assess.units.models import Unit

MAX_REASON_CHARS = 2000


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CycleError(_("请填写原因"))
    if len(reason) > MAX_REASON_CHARS:
        raise CycleError(_("原因不能超过 %(n)s 字", n=MAX_REASON_CHARS))
    return reason


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _locked_for_deadlines(cycle_id: int) -> Cycle:
    current = locked_cycle(cycle_id)
    if not cycle_allows(current, "deadlines"):
        raise CycleError(write_refused("deadlines"))
    return current


def set_deadlines(
    cycle: Cycle,
    self_report_due: date | None,
    review_due: date | None,
    reason: str,
    actor: User,
) -> Cycle:
    """Change (or clear) the cycle's 自评截止 and 核查截止 with a reason; audited.

    Refused (CycleError, nothing changed) without a reason, when nothing changes, when the
    核查截止 falls before the 自评截止 or before a unit's extension, and once published.
    """
    reason = _reason(reason)
    if self_report_due and review_due and review_due < self_report_due:
        raise CycleError(_("核查截止日期不能早于自评截止日期"))
    with database.atomic():
        current = _locked_for_deadlines(cycle.id)
        wanted = {"self_report_due": self_report_due, "review_due": review_due}
        if all(getattr(current, key) == value for key, value in wanted.items()):
            raise CycleError(_("截止日期没有变化"))
        if review_due:
            latest = (
                DeadlineExtension.select(DeadlineExtension, Unit)
                .join(Unit)
                .where(DeadlineExtension.cycle == current.id, DeadlineExtension.due > review_due)
                .order_by(DeadlineExtension.due.desc())
                .first()
            )
            if latest is not None:
                raise CycleError(
                    _(
                        "核查截止日期不能早于已批准的延期：%(u)s 延期至 %(d)s",
                        u=latest.unit.name,
                        d=latest.due.isoformat(),
                    )
                )
        edit_cycle(cycle, current, wanted, "cycle.deadlines", reason, actor)
        cycle.__dict__.pop("_extension_dues", None)
    return cycle


def grant_extension(
    cycle: Cycle, unit: Unit, due: date, reason: str, actor: User
) -> DeadlineExtension:
    """Extend one unit's 自评截止 to ``due`` (延期) with a reason, or change its extension;
    audited. Refused (CycleError) without a reason, for a unit not assessed in the cycle,
    for a cycle without a 自评截止, for a day not after it, before today or after the
    核查截止, and once published."""
    reason = _reason(reason)
    with database.atomic():
        current = _locked_for_deadlines(cycle.id)
        if (
            not Assignment.select()
            .where(Assignment.cycle == current.id, Assignment.unit == unit.id)
            .exists()
        ):
            raise CycleError(_("%(u)s 不参加本周期考核", u=unit.name))
        if current.self_report_due is None:
            raise CycleError(_("本周期没有设定自评截止日期，无需延期"))
        if due <= current.self_report_due:
            raise CycleError(
                _(
                    "延期日期须晚于自评截止日期 %(d)s",
                    d=current.self_report_due.isoformat(),
                )
            )
        if due < local_today():
            raise CycleError(_("延期日期不能早于今天"))
        if current.review_due and due > current.review_due:
            raise CycleError(
                _("延期日期不能晚于核查截止日期 %(d)s", d=current.review_due.isoformat())
            )
        row = DeadlineExtension.get_or_none(
            DeadlineExtension.cycle == current.id, DeadlineExtension.unit == unit.id
        )
        before = None if row is None else {"due": _day(row.due), "reason": row.reason}
        if row is None:
            row = DeadlineExtension.create(
                cycle=current.id, unit=unit.id, due=due, reason=reason, granted_by=actor
            )
        else:
            row = locked(DeadlineExtension, row.id)
            row.due, row.reason, row.granted_by = due, reason, actor
            row.save()
        cycle.__dict__.pop("_extension_dues", None)
        audit.record(
            "cycle.extension",
            "deadline_extension",
            row.id,
            before=before,
            after={"unit": unit.name, "due": _day(due), "reason": reason},
            actor=actor,
        )
    return row


def revoke_extension(extension: DeadlineExtension, reason: str, actor: User) -> None:
    """Withdraw a unit's extension (撤销延期) with a reason; the cycle's 自评截止 applies to
    the unit again. Audited; refused without a reason and once published."""
    reason = _reason(reason)
    with database.atomic():
        _locked_for_deadlines(extension.cycle_id)
        row = DeadlineExtension.get_or_none(DeadlineExtension.id == extension.id)
        if row is None:
            raise CycleError(_("该延期已撤销"))
        before = {"unit": row.unit.name, "due": _day(row.due), "reason": row.reason}
        row.delete_instance()
        audit.record(
            "cycle.extension_revoke",
            "deadline_extension",
            extension.id,
            before=before,
            after={"reason": reason},
            actor=actor,
        )


@dataclass(frozen=True)
class SelfReportDeadline:
    """A unit's self-report deadline as its reporters read it (自评截止).

    ``due`` is the day that applies to the unit (None: the cycle sets none), ``cycle_due``
    the cycle's own, ``extension`` the unit's extension if any; ``days_left`` counts the
    days after today up to ``due`` (0: today is the last day; negative: overdue by as many).
    """

    due: date | None
    cycle_due: date | None
    extension: DeadlineExtension | None
    days_left: int | None

    @property
    def passed(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.passed else 0


def self_report_deadline(
    cycle: Cycle, unit_id: int, today: date | None = None
) -> SelfReportDeadline:
    """The unit's deadline, its extension and the days left (one query)."""
    extension = DeadlineExtension.get_or_none(
        DeadlineExtension.cycle == cycle.id, DeadlineExtension.unit == unit_id
    )
    due = cycle.self_report_due
    if due and extension and extension.due > due:
        due = extension.due
    days_left = (due - (today or local_today())).days if due else None
    return SelfReportDeadline(due, cycle.self_report_due, extension, days_left)


def extensions(cycle: Cycle) -> list[DeadlineExtension]:
    """The cycle's extensions with their units and granters, by unit order."""
    return list(
        DeadlineExtension.select(DeadlineExtension, Unit)
        .join(Unit)
        .where(DeadlineExtension.cycle == cycle.id)
        .order_by(Unit.sort_order, Unit.code)
    )
