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
    NotificationKind,
    SubmissionState,
)
from assess.core.formatting import local_time, plain_number
from assess.core.models import utcnow
from assess.cycles.lifecycle import indicator_set, locked_cycle
from assess.cycles.models import Assignment, Cycle, Submission
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import StoredFile
from assess.notifications import store
from assess.units.models import Unit
from assess.units.tree import recusal_message
from scoring.engine import score_unit
from scoring.model import Indicator
from scoring.values import Rate, format_value, parse_value

MAX_VALUE_CHARS = 100  # the width of Submission.value_text
MAX_NARRATIVE_CHARS = 5000
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


class ReviewConflictError(SubmissionError):
    """Someone else decided the item first: the message gives their decision (核定值,
    扣分, who and when), not the unit's self-reported value."""

    def __init__(self, theirs: Submission):
        super().__init__(_review_conflict_message(theirs))
        self.theirs = theirs


def decision_text(sub: Submission) -> str:
    """An inspector's decision on ``sub`` in words: the verified value (or 按自评值), and
    the deduction with its reason when there is one."""
    if sub.verified_value_text:
        text = _("核定值 %(v)s", v=sub.verified_value_text)
    else:
        text = _("按自评值 %(v)s 核定", v=sub.value_text or "-")
    if sub.deduction:
        text += _("，扣分 %(d)s（%(r)s）", d=plain_number(sub.deduction), r=sub.deduction_reason)
    else:
        text += _("，未扣分")
    return text


def _review_conflict_message(theirs: Submission) -> str:
    who = theirs.updated_by.label if theirs.updated_by else "-"
    when = local_time(theirs.updated_at)
    if theirs.status == SubmissionState.VERIFIED:
        return _(
            "该指标已由 %(who)s 于 %(when)s 核定：%(decision)s。您的操作未保存，"
            "如需改动请核对后重新提交。",
            who=(theirs.reviewed_by.label if theirs.reviewed_by else who),
            when=local_time(theirs.reviewed_at or theirs.updated_at),
            decision=decision_text(theirs),
        )
    if theirs.status == SubmissionState.RETURNED:
        return _(
            "该指标已由 %(who)s 于 %(when)s 退回单位修改（退回原因：%(r)s）。您的操作未保存。",
            who=who,
            when=when,
            r=theirs.return_reason or "-",
        )
    return _(
        "该指标已由 %(who)s 于 %(when)s 更新（当前自评值：%(v)s），您的操作未保存。"
        "请核对后重新核查。",
        who=who,
        when=when,
        v=theirs.value_text or "-",
    )


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
    # Last cycle's value was checked against last cycle's set, not this one's ranges.
    now, before = parse_value(indicator, text), parse_value(indicator, previous, check_bounds=False)
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
    if indicator.from_cycle is not None:
        raise SubmissionError(_("指标 %(c)s 取自本单位组织的考核结果，无需填报", c=indicator_code))
    assignment = Assignment.get_or_none(
        Assignment.cycle == cycle,
        Assignment.unit == unit,
        Assignment.indicator_code == indicator_code,
    )
    if assignment is None:
        raise SubmissionError(_("指标 %(c)s 不适用于本单位", c=indicator_code))
    text = normalise_value(indicator, value_text)
    if len(narrative) > MAX_NARRATIVE_CHARS:
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


def _withdrawal_refusal(current: Submission) -> str:
    """Why a line can no longer be withdrawn, naming what the inspector did in between."""
    who = current.updated_by.label if current.updated_by else "-"
    when = current.updated_at.strftime("%Y-%m-%d %H:%M")
    code = current.indicator_code
    if current.status == SubmissionState.VERIFIED:
        return _(
            "%(code)s 已由 %(who)s 于 %(when)s 核定，不能撤回；如需更正请联系督查组",
            code=code,
            who=who,
            when=when,
        )
    if current.status == SubmissionState.RETURNED:
        return _(
            "%(code)s 已由 %(who)s 于 %(when)s 退回，无需撤回，可直接修改后重新提交",
            code=code,
            who=who,
            when=when,
        )
    return _("%(code)s 尚未提交，无需撤回", code=code)


def _withdraw(sub: Submission, expected_version: int | None, actor: User) -> None:
    """Turn one handed-in line back into a draft, inside the caller's transaction, if no
    inspector has acted on it (still ``submitted`` on the locked row)."""
    current = locked(Submission, sub.id)
    if current.status != SubmissionState.SUBMITTED:
        raise SubmissionError(_withdrawal_refusal(current))
    _write(
        sub,
        expected_version,
        sub.value_text,
        actor,
        "submission.withdraw",
        frozenset({SubmissionState.SUBMITTED}),
        _withdrawal_refusal(current),
        status=SubmissionState.DRAFT,
        submitted_at=None,
    )


def withdraw_item(sub: Submission, expected_version: int, actor: User) -> None:
    """Withdraw (撤回) one submitted line back to a draft, before any inspector has acted on
    it. Refused (SubmissionError, saying what the inspector did) once it was verified or
    returned, and while the cycle takes no self-report writes; both decided on rows locked
    inside the transaction, as is the version (ConflictError)."""
    with database.atomic():
        locked_cycle(sub.cycle_id, "self_report", SubmissionError)
        _withdraw(sub, expected_version, actor)


def withdraw_unit(cycle: Cycle, unit: Unit, actor: User) -> tuple[int, list[str]]:
    """Withdraw (撤回) every line of the unit still waiting for an inspector; return (lines
    withdrawn, the refusals of lines an inspector has already verified). Refused whole when
    no line is waiting, or the cycle takes no self-report writes."""
    with database.atomic():
        locked_cycle(cycle.id, "self_report", SubmissionError)
        handed_in = list(
            Submission.select()
            .where(
                Submission.cycle == cycle,
                Submission.unit == unit,
                Submission.status.in_(HANDED_IN_SUBMISSION_STATES),
            )
            .order_by(Submission.indicator_code)
        )
        count, kept = 0, []
        for sub in handed_in:
            try:
                _withdraw(sub, None, actor)
            except SubmissionError as exc:
                kept.append(str(exc))
            else:
                count += 1
        if count == 0:
            raise SubmissionError(
                _("没有可撤回的指标：督查人员已开始核查，或尚未提交")
                + ("（" + "；".join(kept) + "）" if kept else "")
            )
    return count, kept


# What a review decides: equal on these, two decisions are the same decision.
DECISION_FIELDS = (
    "status",
    "verified_value_text",
    "verify_reason",
    "deduction",
    "deduction_reason",
    "return_reason",
)


def _same_decision(current: Submission, changes: dict) -> bool:
    for key in DECISION_FIELDS:
        if key not in changes:
            continue
        have, want = getattr(current, key), changes[key]
        if key == "deduction":
            have = Decimal(have) if have else None
            want = Decimal(want) if want else None
        if have != want:
            return False
    return True


def _review(
    sub: Submission,
    expected_version: int,
    mine: str,
    actor,
    action: str,
    write: str = "review",
    **changes,
) -> bool:
    """A review action's write: the cycle must take ``write`` (reviews; an appeal's
    correction for ``verify_on_appeal``), the item be handed in, and the reviewer be from
    neither the unit nor a unit above or below it (回避).

    Returns True when written, False when the item already holds exactly this decision
    although its version moved on (the same form sent twice, a double click, or another
    inspector deciding alike): that is the outcome asked for, so it is no conflict and
    nothing is written. A different decision made meanwhile raises ReviewConflictError."""
    with database.atomic():
        locked_cycle(sub.cycle_id, write, SubmissionError)
        _require_no_conflict(sub, actor)
        current = locked(Submission, sub.id)
        if expected_version is not None and expected_version != current.version:
            if _same_decision(current, changes):
                return False
            raise ReviewConflictError(current)
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
    return True


def _require_no_conflict(sub: Submission, actor: User) -> None:
    # Asked inside the write's transaction: the route hides the item, this refuses it
    # whoever calls (a stale page, a script, another view).
    if sub.conflicts_with(actor):
        raise SubmissionError(recusal_message(sub.unit))


def return_item(sub: Submission, reason: str, expected_version: int, actor: User) -> bool:
    """Send an item back to the unit with a reason (退回); False when it already was, with
    this reason (see ``_review``)."""
    if not reason.strip():
        raise SubmissionError(_("退回须填写原因"))
    with database.atomic():  # the unit's reporters are told in the return's transaction
        written = _review(
            sub,
            expected_version,
            sub.value_text,
            actor,
            "submission.return",
            status=SubmissionState.RETURNED,
            return_reason=reason.strip(),
        )
        if written:
            _notify_returned(sub, reason.strip())
    return written


def _notify_returned(sub: Submission, reason: str) -> None:
    cycle = sub.cycle
    store.notify_unit(
        sub.unit_id,
        NotificationKind.ITEM_RETURNED,
        {
            "cycle": cycle.title,
            "code": sub.indicator_code,
            "name": indicator_set(cycle).indicator(sub.indicator_code).name,
            "reason": reason,
        },
        store.target(
            "selfreport.unit_page",
            cycle_id=cycle.id,
            unit_id=sub.unit_id,
            _anchor=f"item-{sub.indicator_code}",
        ),
    )


def rule_score(sub: Submission, indicator: Indicator, text: str) -> Decimal:
    """What the item scores by its rule with the value ``text`` (the unit's target and
    weight overrides applied), before any deduction: the most a deduction can take off."""
    assignment = Assignment.get_or_none(
        Assignment.cycle == sub.cycle_id,
        Assignment.unit == sub.unit_id,
        Assignment.indicator_code == indicator.code,
    )
    overrides = {}
    if assignment is not None:
        if assignment.target is not None:
            overrides["target"] = Decimal(assignment.target)
        if assignment.weight is not None:
            overrides["weight"] = Decimal(assignment.weight)
    result = score_unit(
        indicator_set(sub.cycle),
        sub.unit.code,
        sub.unit.kind,
        {indicator.code: parse_value(indicator, text)} if text else {},
        {indicator.code: overrides} if overrides else None,
    )
    item = result.scores.get(indicator.code)
    return item.score if item is not None else Decimal(0)


def _check_deduction(sub: Submission, indicator: Indicator, text: str, deduction: Decimal):
    """A deduction (扣分) must take something off: refused on bonus and veto items (the
    engine adds or vetoes, it does not subtract there), on an item already at 0, and beyond
    the item's score (扣完为止), so what is recorded is what the results deduct."""
    if not indicator.is_base:
        raise SubmissionError(_("加分项和否决项不能扣分"))
    score = rule_score(sub, indicator, text)
    if score <= 0:
        raise SubmissionError(_("该指标按核定值得分为 0，扣分不起作用，请不要扣分"))
    if deduction > score:
        raise SubmissionError(
            _(
                "该指标按核定值得分 %(s)s 分，扣分不能超过 %(s)s 分（扣完为止）",
                s=plain_number(score),
            )
        )


def verify_item(
    sub: Submission,
    expected_version: int,
    actor: User,
    verified_value: str = "",
    reason: str = "",
    deduction: Decimal | None = None,
    deduction_reason: str = "",
) -> bool:
    """Accept an item, optionally with a verified value (核定值) and a deduction (扣分).

    A verified value differing from the reported one, and any deduction, need a reason; a
    deduction must take something off the item's score (``_check_deduction``). Refused to
    a reviewer from the unit or a unit above or below it (回避). False when the item already
    holds exactly this decision (see ``_review``).
    """
    mine, changes = _verification(sub, actor, verified_value, reason, deduction, deduction_reason)
    return _review(sub, expected_version, mine, actor, "submission.verify", **changes)


def verify_on_appeal(
    sub: Submission,
    actor: User,
    verified_value: str = "",
    reason: str = "",
    deduction: Decimal | None = None,
    deduction_reason: str = "",
) -> None:
    """An upheld appeal's correction (复核申诉): the item's verified value and deduction
    set as ``verify_item`` sets them, with its checks, its audit entry and 回避, in a
    published cycle (the one review write it takes: ``CYCLE_WRITES["appeal"]``). Called by
    ``assess.cycles.appeals.answer`` inside the answer's transaction; refused
    (SubmissionError) when it changes neither the value nor the deduction."""
    mine, changes = _verification(sub, actor, verified_value, reason, deduction, deduction_reason)
    with database.atomic():
        current = locked(Submission, sub.id)
        if current.verified_value_text == changes["verified_value_text"] and Decimal(
            current.deduction or 0
        ) == Decimal(changes["deduction"] or 0):
            raise SubmissionError(_("申诉成立须改正核定值或扣分；如不改正，请答复为申诉不成立"))
        _review(sub, None, mine, actor, "submission.verify", "appeal", **changes)


def _verification(
    sub: Submission,
    actor: User,
    verified_value: str,
    reason: str,
    deduction: Decimal | None,
    deduction_reason: str,
) -> tuple[str, dict]:
    """The value a verification stands for and the columns it writes, after the checks
    ``verify_item`` describes; SubmissionError when one refuses."""
    indicator = indicator_set(sub.cycle).indicator(sub.indicator_code)
    verified = normalise_value(indicator, verified_value.strip())
    if verified == sub.value_text:
        verified = ""
    if verified and not reason.strip():
        raise SubmissionError(_("核定值与自评值不同，须填写核定理由"))
    if deduction is not None and not deduction.is_finite():  # NaN cannot even be compared
        raise SubmissionError(_("请输入有效的数字"))
    if deduction is not None and deduction == 0:
        deduction = None  # 0 points off is no deduction
    if deduction is not None:
        if deduction >= 10**6:
            raise SubmissionError(_("请输入有效的数字"))
        if deduction < 0:
            raise SubmissionError(_("扣分不能为负数"))
        _check_deduction(sub, indicator, verified or sub.value_text, deduction)
        if not deduction_reason.strip():
            raise SubmissionError(_("扣分须填写原因"))
    return verified or sub.value_text, {
        "status": SubmissionState.VERIFIED,
        "verified_value_text": verified,
        "verify_reason": reason.strip(),
        "deduction": deduction,
        "deduction_reason": deduction_reason.strip(),
        "reviewed_by": actor,
        "reviewed_at": utcnow(),
    }


@dataclass
class Draft:
    """What a reporter typed for one indicator on the self-report page (自评草稿), not yet
    saved: the value as text, the account, the version the page was built from, and
    evidence files already checked and stored but not yet recorded (待保存的佐证材料)."""

    code: str
    value_text: str
    narrative: str
    version: int
    files: list[StoredFile] = field(default_factory=list)
    file_error: str = ""  # an upload of this item refused by its content check

    def differs_from(self, item: Item) -> bool:
        """Whether saving this draft would change the item: another value (or one that does
        not even parse), another account, or files to attach."""
        if self.files or self.file_error:
            return True
        sub = item.submission
        if self.narrative != (sub.narrative if sub else ""):
            return True
        try:
            text = normalise_value(item.indicator, self.value_text)
        except SubmissionError:
            return True
        return text != (sub.value_text if sub else "")


@dataclass(frozen=True)
class FieldError:
    """Why one item of a save was refused, and which of its fields to point at:
    ``"value"``, ``"narrative"`` or ``"files"``."""

    field: str
    message: str


class DraftsRefused(SubmissionError):
    """A save of several items refused as a whole: nothing was saved. ``errors`` maps each
    refused item's code to its FieldError; the other items were valid."""

    def __init__(self, errors: dict[str, FieldError]):
        super().__init__(_("%(n)s 项指标有误，未保存任何修改", n=len(errors)))
        self.errors = errors


@dataclass(frozen=True)
class SavedDraft:
    """One item a save wrote: its submission, a warning to show (or None), files attached."""

    submission: Submission
    warning: str | None
    attached: int


def _precheck(cycle: Cycle, draft: Draft) -> FieldError | None:
    if draft.file_error:
        return FieldError("files", draft.file_error)
    try:
        normalise_value(indicator_set(cycle).indicator(draft.code), draft.value_text)
    except KeyError:
        return FieldError("value", _("未知指标：%(c)s", c=draft.code))
    except SubmissionError as exc:
        return FieldError("value", str(exc))
    if len(draft.narrative) > MAX_NARRATIVE_CHARS:
        return FieldError("narrative", _("情况说明不能超过 5000 字"))
    return None


def save_drafts(cycle: Cycle, unit: Unit, drafts: list[Draft], actor: User) -> list[SavedDraft]:
    """Save the drafts that change something (保存全部), each checked on its own (value,
    account, files, state, version), all in one transaction; return what was written.

    Refused as a whole with DraftsRefused (nothing saved, every item's error kept) when any
    item fails; with a plain SubmissionError when the cycle takes no self-report writes.
    """
    items = {i.indicator.code: i for i in unit_items(cycle, unit)}
    changed = [d for d in drafts if d.code not in items or d.differs_from(items[d.code])]
    errors = {d.code: e for d in changed if (e := _precheck(cycle, d)) is not None}
    saved: list[SavedDraft] = []
    with database.atomic():
        locked_cycle(cycle.id, "self_report", SubmissionError)
        for draft in changed:
            if draft.code in errors:
                continue
            try:
                with database.atomic():  # a savepoint: a refused item leaves nothing behind
                    sub, warning = save_value(
                        cycle,
                        unit,
                        draft.code,
                        draft.value_text,
                        draft.narrative,
                        draft.version,
                        actor,
                    )
                    rows = attachments.attach(draft.files, actor, unit.id, submission=sub)
            except attachments.EvidenceError as exc:
                errors[draft.code] = FieldError("files", str(exc))
            except SubmissionError as exc:
                errors[draft.code] = FieldError("value", str(exc))
            else:
                saved.append(SavedDraft(sub, warning, len(rows)))
        if errors:
            raise DraftsRefused(errors)  # leaving the block rolls every item back
    return saved


@dataclass
class BulkVerification:
    """What a bulk 核定无误 did: the items verified as reported, and those refused with the
    reason each was refused (``submission`` None for an item that is not in the cycle)."""

    verified: list[Submission] = field(default_factory=list)
    refused: list[tuple[Submission | None, str]] = field(default_factory=list)


def verify_as_reported(cycle: Cycle, picks: list[tuple[int, int]], actor: User) -> BulkVerification:
    """Verify each picked item (submission id, version the inspector saw) as reported
    (核定无误: no verified value, no deduction) in one transaction.

    Each item is checked on its own locked row as ``verify_item`` checks it: the cycle takes
    reviews, the item is handed in and still at the version seen (an identical decision
    made meanwhile counts as done), and the inspector need not recuse (回避). A refused item
    is rolled back alone (a savepoint) and listed with its reason; the others are written
    and audited one by one. Only the cycle state refuses the whole batch.
    """
    outcome = BulkVerification()
    with database.atomic():
        locked_cycle(cycle.id, "review", SubmissionError)
        rows = {
            s.id: s
            for s in Submission.select(Submission, Unit)
            .join(Unit)
            .where(Submission.cycle == cycle, Submission.id.in_([i for i, _v in picks] or [0]))
        }
        for sub_id, version in picks:
            sub = rows.get(sub_id)
            if sub is None:
                outcome.refused.append((None, _("该指标不属于本考核周期")))
                continue
            decision = {
                "status": SubmissionState.VERIFIED,
                "verified_value_text": "",
                "verify_reason": "",
                "deduction": None,
                "deduction_reason": "",
            }
            try:
                with database.atomic():  # a savepoint: a refusal undoes this item only
                    current = locked(Submission, sub.id)
                    # 核定无误 never overrides a decision already taken on the item, and
                    # one already taken alike is done.
                    if current.status == SubmissionState.VERIFIED:
                        if not _same_decision(current, decision):
                            raise ReviewConflictError(current)
                    else:
                        _review(
                            sub,
                            version,
                            sub.value_text,
                            actor,
                            "submission.verify",
                            reviewed_by=actor,
                            reviewed_at=utcnow(),
                            **decision,
                        )
            except SubmissionError as exc:
                outcome.refused.append((sub, str(exc)))
            else:
                outcome.verified.append(sub)
    return outcome
