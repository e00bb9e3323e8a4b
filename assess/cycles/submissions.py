"""Self-reports (自评) and their review (核查): saving values, submitting, returning,
verifying (核定) and deducting (扣分), with optimistic locking against lost updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import (
    EDITABLE_SUBMISSION_STATES,
    HANDED_IN_SUBMISSION_STATES,
    SubmissionState,
)
from assess.core.models import utcnow
from assess.cycles.lifecycle import indicator_set, locked_cycle
from assess.cycles.models import Assignment, Cycle, Submission
from assess.evidence.models import Evidence
from assess.units.models import Unit
from assess.units.tree import recusal_message
from scoring.model import Indicator
from scoring.values import Rate, format_value, parse_value

MAX_VALUE_CHARS = 100  # the width of Submission.value_text
SUBMISSION_AUDIT_FIELDS = (
    "status",
    "value_text",
    "narrative",
    "return_reason",
    "verified_value_text",
    "verify_reason",
    "deduction",
    "deduction_reason",
    "version",
)
# A rate moving more than this many points from last cycle is worth a second look.
RATE_JUMP_WARNING_POINTS = Decimal(30)


class SubmissionError(ValueError):
    """A self-report or review action refused; the message is for the user."""


class ConflictError(SubmissionError):
    """Someone else saved the item first: both values are given so the user can choose."""

    def __init__(self, mine: str, theirs: Submission):
        super().__init__(
            _(
                "该指标已被 %(who)s 于 %(when)s 修改（当前值：%(theirs)s），您提交的值“%(mine)s”未保存。"
                "请核对后重新保存。",
                who=theirs.updated_by.label if theirs.updated_by else "-",
                when=theirs.updated_at.strftime("%Y-%m-%d %H:%M"),
                theirs=theirs.value_text or "-",
                mine=mine or "-",
            )
        )
        self.mine = mine
        self.theirs = theirs


@dataclass(frozen=True)
class SelfReport:
    """One unit's self-report (自评) in one cycle, as a whole: the object of
    ``can(user, "submissions.edit_own", …)`` (its author) and ``"submissions.edit"`` (now)."""

    cycle: Cycle
    unit: Unit

    @property
    def unit_id(self) -> int:
        return self.unit.id


@dataclass
class Item:
    """One indicator on a unit's self-report page."""

    indicator: Indicator
    assignment: Assignment
    submission: Submission | None
    evidence: list[Evidence] = field(default_factory=list)
    cycle: Cycle | None = None  # set by unit_items, so a policy check costs no query

    @property
    def unit_id(self) -> int:
        return self.assignment.unit_id

    @property
    def status(self) -> str | None:
        """The submission's state; None while nothing is saved (未填报)."""
        return self.submission.status if self.submission else None

    @property
    def filled(self) -> bool:
        return bool(self.submission and self.submission.value_text)

    @property
    def editable(self) -> bool:
        return self.submission is None or self.submission.status in EDITABLE_SUBMISSION_STATES

    @property
    def target(self):
        return (
            self.assignment.target if self.assignment.target is not None else self.indicator.target
        )

    @property
    def weight(self):
        return (
            self.assignment.weight if self.assignment.weight is not None else self.indicator.weight
        )


def unit_items(cycle: Cycle, unit: Unit) -> list[Item]:
    """The unit's indicators in set order with their submissions and evidence (3 queries)."""
    parsed = indicator_set(cycle)
    assignments = {
        a.indicator_code: a
        for a in Assignment.select().where(Assignment.cycle == cycle, Assignment.unit == unit)
    }
    submissions = {
        s.indicator_code: s
        for s in Submission.select().where(Submission.cycle == cycle, Submission.unit == unit)
    }
    evidence: dict[int, list[Evidence]] = {}
    if submissions:
        ids = [s.id for s in submissions.values()]
        for e in Evidence.select().where(Evidence.submission.in_(ids)).order_by(Evidence.id):
            evidence.setdefault(e.submission_id, []).append(e)
    items = []
    for indicator in parsed.indicators():
        assignment = assignments.get(indicator.code)
        if assignment is None:
            continue
        sub = submissions.get(indicator.code)
        items.append(
            Item(indicator, assignment, sub, evidence.get(sub.id, []) if sub else [], cycle)
        )
    return items


def value_text_from_form(indicator: Indicator, raw: str, numerator: str, denominator: str) -> str:
    """The typed value as text: a rate from its two boxes as ``n/d``, else the raw text."""
    if indicator.measure == "rate" and (numerator.strip() or denominator.strip()):
        return f"{numerator.strip()}/{denominator.strip()}"
    return raw.strip()


def normalise_value(indicator: Indicator, text: str) -> str:
    """Validate ``text`` for the indicator and return its canonical form ('' when empty)."""
    if not text:
        return ""
    try:
        value = parse_value(indicator, text)
    except ValueError as exc:
        raise SubmissionError(str(exc)) from exc
    if isinstance(value, Rate) and "/" in text:
        # Keep the counts the unit entered (知晓人数/调查人数), not just the percent.
        canonical = f"{format_value(value.numerator)}/{format_value(value.denominator)}"
    else:
        canonical = format_value(value)
    # "1e999" parses, but written out it is a thousand digits: no real figure is that long.
    # Past plain_number's limit the exponent stays ("1E+5000"): refused the same way.
    if len(canonical) > MAX_VALUE_CHARS or "E" in canonical:
        raise SubmissionError(_("数值超出范围：%(v)s", v=text[:20]))
    return canonical


def _previous_value(cycle: Cycle, unit: Unit, code: str) -> str | None:
    if cycle.previous_id is None:
        return None
    row = Submission.get_or_none(
        Submission.cycle == cycle.previous_id,
        Submission.unit == unit,
        Submission.indicator_code == code,
    )
    return (row.verified_value_text or row.value_text) if row else None


def rate_jump_warning(cycle: Cycle, unit: Unit, indicator: Indicator, text: str) -> str | None:
    """A warning (not a block) when a rate moves more than 30 points from last cycle."""
    if indicator.measure != "rate" or not text:
        return None
    previous = _previous_value(cycle, unit, indicator.code)
    if not previous:
        return None
    now, before = parse_value(indicator, text), parse_value(indicator, previous)
    if isinstance(now, Rate) and isinstance(before, Rate):
        jump = abs(now.percent - before.percent)
        if jump > RATE_JUMP_WARNING_POINTS:
            return _(
                "%(code)s 与上一周期相比变化 %(d)s 个百分点（上期 %(p)s），请确认数据无误",
                code=indicator.code,
                d=f"{jump:.1f}",
                p=previous,
            )
    return None


def save_value(
    cycle: Cycle,
    unit: Unit,
    indicator_code: str,
    value_text: str,
    narrative: str,
    expected_version: int | None,
    actor: User,
) -> tuple[Submission, str | None]:
    """Save one indicator's value as a draft; return (submission, warning or None).

    ``expected_version`` is the version the user's form was built from: 0 for an item never
    saved, None only for a caller that means to overwrite (the demo). A mismatch raises
    ConflictError instead of overwriting; a cycle not open or an item handed in raises
    SubmissionError. Both are decided inside the transaction, on locked rows.
    """
    parsed = indicator_set(cycle)
    try:
        indicator = parsed.indicator(indicator_code)
    except KeyError:
        raise SubmissionError(_("未知指标：%(c)s", c=indicator_code)) from None
    assignment = Assignment.get_or_none(
        Assignment.cycle == cycle,
        Assignment.unit == unit,
        Assignment.indicator_code == indicator_code,
    )
    if assignment is None:
        raise SubmissionError(_("指标 %(c)s 不适用于本单位", c=indicator_code))
    text = normalise_value(indicator, value_text)
    if len(narrative) > 5000:
        raise SubmissionError(_("情况说明不能超过 5000 字"))
    warning = rate_jump_warning(cycle, unit, indicator, text)
    with database.atomic():
        locked_cycle(cycle.id, "self_report", SubmissionError, unit.id)
        # The assignment row always exists, so locking it serialises two first saves of the
        # same item on PostgreSQL: the second then finds the first's row (version 1 ≠ 0).
        locked(Assignment, assignment.id)
        sub = Submission.get_or_none(
            Submission.cycle == cycle,
            Submission.unit == unit,
            Submission.indicator_code == indicator_code,
        )
        if sub is None:
            if expected_version not in (None, 0):
                raise SubmissionError(_("该指标的填报记录不存在，请刷新页面"))
            sub = Submission.create(
                cycle=cycle,
                unit=unit,
                indicator_code=indicator_code,
                value_text=text,
                narrative=narrative,
                updated_by=actor,
            )
            audit.record(
                "submission.save",
                "submission",
                sub.id,
                after=audit.model_snapshot(sub, SUBMISSION_AUDIT_FIELDS),
                actor=actor,
            )
            return sub, warning
        _write(
            sub,
            expected_version,
            text,
            actor,
            "submission.save",
            EDITABLE_SUBMISSION_STATES,
            _("该指标已提交，不能修改（被退回后可修改）"),
            value_text=text,
            narrative=narrative,
        )
    return sub, warning


def _write(
    sub: Submission,
    expected_version: int | None,
    mine: str,
    actor,
    action: str,
    statuses: frozenset[SubmissionState],
    refusal: str,
    **changes,
) -> None:
    """Apply ``changes`` if ``sub`` is still at ``expected_version`` (None: any) and in one of
    ``statuses`` (else SubmissionError(refusal)), both read from the row locked inside the
    caller's transaction; audit before/after and update ``sub`` in place."""
    current = locked(Submission, sub.id)
    if current.status not in statuses:
        raise SubmissionError(refusal)
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(mine, current)
    before = audit.model_snapshot(current, SUBMISSION_AUDIT_FIELDS)
    changes.update(version=current.version + 1, updated_at=utcnow(), updated_by=actor)
    updated = (
        Submission.update(**changes)
        .where(Submission.id == sub.id, Submission.version == current.version)
        .execute()
    )
    if updated != 1:  # cannot happen under the lock; kept so a lost update is never silent
        raise ConflictError(mine, Submission.get_by_id(sub.id))
    for row in (current, sub):
        for key, value in changes.items():
            setattr(row, key, value)
    audit.record(
        action,
        "submission",
        sub.id,
        before=before,
        after=audit.model_snapshot(current, SUBMISSION_AUDIT_FIELDS),
        actor=actor,
    )


def missing_for_submit(items: list[Item]) -> list[Item]:
    """Scored indicators still without a value (bonus and veto items may stay empty)."""
    return [i for i in items if i.indicator.is_base and not i.filled]


def submit_unit(cycle: Cycle, unit: Unit, actor: User) -> int:
    """Submit every draft or returned item of the unit; return how many. Refused while the
    cycle is not open, after the unit's deadline or while scored items are empty, decided
    inside the transaction."""
    count = 0
    with database.atomic():
        locked_cycle(cycle.id, "self_report", SubmissionError, unit.id)
        items = unit_items(cycle, unit)
        missing = missing_for_submit(items)
        if missing:
            codes = "、".join(i.indicator.code for i in missing)
            raise SubmissionError(_("以下指标尚未填报，不能提交：%(codes)s", codes=codes))
        for item in items:
            sub = item.submission
            if sub is None or sub.status not in EDITABLE_SUBMISSION_STATES:
                continue
            _write(
                sub,
                sub.version,
                sub.value_text,
                actor,
                "submission.submit",
                EDITABLE_SUBMISSION_STATES,
                _("该指标已提交，不能修改（被退回后可修改）"),
                status=SubmissionState.SUBMITTED,
                submitted_at=utcnow(),
            )
            count += 1
        if count == 0:
            raise SubmissionError(_("没有需要提交的指标"))
    return count


def _review(sub: Submission, expected_version: int, mine: str, actor, action: str, **changes):
    """A review action's write: the cycle must take reviews, the item be handed in, and the
    reviewer be from neither the unit nor a unit above or below it (回避)."""
    with database.atomic():
        locked_cycle(sub.cycle_id, "review", SubmissionError)
        _require_no_conflict(sub, actor)
        _write(
            sub,
            expected_version,
            mine,
            actor,
            action,
            HANDED_IN_SUBMISSION_STATES,
            _("只有已提交的指标才能核查"),
            **changes,
        )


def _require_no_conflict(sub: Submission, actor: User) -> None:
    # Asked inside the write's transaction: the route hides the item, this refuses it
    # whoever calls (a stale page, a script, another view).
    if sub.conflicts_with(actor):
        raise SubmissionError(recusal_message(sub.unit))


def return_item(sub: Submission, reason: str, expected_version: int, actor: User) -> None:
    """Send an item back to the unit with a reason (退回)."""
    if not reason.strip():
        raise SubmissionError(_("退回须填写原因"))
    _review(
        sub,
        expected_version,
        sub.value_text,
        actor,
        "submission.return",
        status=SubmissionState.RETURNED,
        return_reason=reason.strip(),
    )


def verify_item(
    sub: Submission,
    expected_version: int,
    actor: User,
    verified_value: str = "",
    reason: str = "",
    deduction: Decimal | None = None,
    deduction_reason: str = "",
) -> None:
    """Accept an item, optionally with a verified value (核定值) and a deduction (扣分).

    A verified value differing from the reported one, and any deduction, need a reason.
    Refused to a reviewer from the unit or a unit above or below it (回避).
    """
    indicator = indicator_set(sub.cycle).indicator(sub.indicator_code)
    verified = normalise_value(indicator, verified_value.strip())
    if verified == sub.value_text:
        verified = ""
    if verified and not reason.strip():
        raise SubmissionError(_("核定值与自评值不同，须填写核定理由"))
    if deduction is not None:
        if not deduction.is_finite() or deduction >= 10**6:  # NaN cannot even be compared
            raise SubmissionError(_("请输入有效的数字"))
        if deduction < 0:
            raise SubmissionError(_("扣分不能为负数"))
        if deduction > Decimal(indicator.weight or 0) and indicator.is_base:
            raise SubmissionError(_("扣分不能超过该指标权重 %(w)s", w=indicator.weight))
        if not deduction_reason.strip():
            raise SubmissionError(_("扣分须填写原因"))
    _review(
        sub,
        expected_version,
        verified or sub.value_text,
        actor,
        "submission.verify",
        status=SubmissionState.VERIFIED,
        verified_value_text=verified,
        verify_reason=reason.strip(),
        deduction=deduction,
        deduction_reason=deduction_reason.strip(),
        reviewed_by=actor,
        reviewed_at=utcnow(),
    )
