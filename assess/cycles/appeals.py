"""Appeals (复核申诉): after the results are published, a unit asks for a re-check of named
indicator scores with a reason and evidence, within the cycle's window (``Cycle.appeal_due``);
an inspector or the office answers: upheld, the item's verified value (核定值) or deduction
(扣分) corrected through the review path (``submissions.verify_on_appeal``) in the answer's
own transaction, or rejected with a reason. The corrected score reaches the results when the
office republishes (申诉复核); the earlier snapshot is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import peewee as pw
from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import AppealState, CycleState, NotificationKind
from assess.core.formatting import local_today
from assess.core.models import utcnow
from assess.core.policy import STAFF, appeal_window_open, cycle_allows
from assess.cycles import submissions
from assess.cycles.lifecycle import (
    CycleError,
    edit_cycle,
    indicator_order,
    indicator_set,
    locked_cycle,
    write_refused,
)
from assess.cycles.models import Appeal, Cycle, Submission, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import StoredFile
from assess.notifications import store
from assess.units.models import Unit
from assess.units.tree import recusal_message, tree_order

APPEAL_AUDIT_FIELDS = (
    "indicator_code",
    "reason",
    "state",
    "snapshot_version",
    "answer",
    "verified_value_text",
    "deduction",
)
MAX_TEXT_CHARS = 5000
# A notification quotes the start of the reason or answer; the whole text is on the page.
NOTIFIED_CHARS = 200


class AppealError(ValueError):
    """An appeal refused, or its answer; the message is for the user."""


@dataclass(frozen=True)
class AppealableScore:
    """One indicator score of a unit's current published result, as an appeal names it."""

    code: str
    name: str
    score: str
    value: str | None
    deduction: str
    open_appeal: bool


def window_closed_message(cycle: Cycle) -> str:
    """What a reporter reads when the cycle takes no appeal now."""
    if cycle.state != CycleState.PUBLISHED:
        return _("考核结果公布后方可提出复核申诉")
    if cycle.appeal_due is None:
        return _("本周期未设定申诉期限，不能提出复核申诉")
    return _(
        "复核申诉已于 %(d)s 截止，不能再提出申诉；如有异议，请联系领导小组办公室",
        d=cycle.appeal_due.isoformat(),
    )


def days_left(cycle: Cycle, today: date | None = None) -> int | None:
    """Days until the appeal deadline (0 on its last day); None when no window is open."""
    if not appeal_window_open(cycle, today):
        return None
    return (cycle.appeal_due - (today or local_today())).days


def appealable_scores(cycle: Cycle, unit: Unit) -> list[AppealableScore]:
    """The unit's indicator scores in the current snapshot, in the set's order, each marked
    when an appeal on it waits for its answer; empty before publishing (two queries)."""
    snapshot = current_snapshot(cycle)
    record = (
        UnitResultRecord.get_or_none(
            UnitResultRecord.snapshot == snapshot, UnitResultRecord.unit == unit.id
        )
        if snapshot
        else None
    )
    if record is None:
        return []
    scores = record_scores(record)
    open_codes = {
        code
        for (code,) in Appeal.select(Appeal.indicator_code)
        .where(Appeal.cycle == cycle.id, Appeal.unit == unit.id, Appeal.state == AppealState.OPEN)
        .tuples()
    }
    rows = []
    for indicator in indicator_set(cycle).indicators():
        item = scores.get(indicator.code)
        if item is None:
            continue
        rows.append(
            AppealableScore(
                code=indicator.code,
                name=indicator.name,
                score=item["score"],
                value=item.get("value"),
                deduction=item.get("deduction") or "",
                open_appeal=indicator.code in open_codes,
            )
        )
    return rows


def record_scores(record: UnitResultRecord) -> dict[str, dict]:
    """A stored result's per-indicator scores (see ``publishing._score_json``)."""
    return json.loads(record.scores or "{}")


def file_appeals(
    cycle: Cycle,
    unit: Unit,
    codes: list[str],
    reason: str,
    stored: list[StoredFile],
    actor: User,
) -> list[Appeal]:
    """File one appeal per indicator in ``codes`` with the reason and the (already checked
    and stored) evidence files, each file recorded on every appeal; audited, and the
    staff who may answer are told. Refused (AppealError, nothing written) without a reason
    or an indicator, for an indicator not in the unit's published result, outside the
    appeal window (read on the cycle row locked here) and while an appeal on one of the
    indicators waits for its answer (one open per indicator, the unique index behind it)."""
    reason = (reason or "").strip()
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes:
        raise AppealError(_("请选择申诉的指标"))
    if not reason:
        raise AppealError(_("请填写申诉理由"))
    if len(reason) > MAX_TEXT_CHARS:
        raise AppealError(_("申诉理由不能超过 %(n)s 字", n=MAX_TEXT_CHARS))
    scores = {s.code: s for s in appealable_scores(cycle, unit)}
    unknown = [c for c in codes if c not in scores]
    if unknown:
        raise AppealError(_("指标 %(codes)s 不在本单位已公布的结果中", codes="、".join(unknown)))
    rows = []
    try:
        with database.atomic():
            current = locked_cycle(cycle.id, "appeal", AppealError)
            if not appeal_window_open(current):
                raise AppealError(window_closed_message(current))
            snapshot = current_snapshot(current)
            pending = (
                Appeal.select(Appeal.indicator_code)
                .where(
                    Appeal.cycle == cycle.id,
                    Appeal.unit == unit.id,
                    Appeal.indicator_code.in_(codes),
                    Appeal.state == AppealState.OPEN,
                )
                .tuples()
            )
            taken = sorted(code for (code,) in pending)
            if taken:
                raise AppealError(_already_open(taken))
            for code in codes:
                row = Appeal.create(
                    cycle=cycle.id,
                    unit=unit.id,
                    indicator_code=code,
                    reason=reason,
                    filed_by=actor,
                    snapshot_version=snapshot.version,
                )
                attachments.attach(stored, actor, unit.id, appeal=row)
                audit.record(
                    "appeal.file",
                    "appeal",
                    row.id,
                    after=audit.model_snapshot(row, APPEAL_AUDIT_FIELDS),
                    actor=actor,
                )
                rows.append(row)
            store.notify(
                answerers(unit),
                NotificationKind.APPEAL_FILED,
                {
                    "cycle": current.title,
                    "unit": unit.name,
                    "codes": "、".join(codes),
                    "reason": reason[:NOTIFIED_CHARS],
                },
                store.target("appeals.cycle_appeals", cycle_id=cycle.id),
            )
    except pw.IntegrityError as exc:
        # Another filing on the same indicator committed between our check and our insert
        # (PostgreSQL: the index waited for it): the same refusal as the check's.
        raise AppealError(_already_open(codes)) from exc
    return rows


def _already_open(codes: list[str]) -> str:
    return _("指标 %(codes)s 已有待答复的复核申诉，请等待答复", codes="、".join(codes))


def answerers(unit: Unit) -> list[User]:
    """The active office and inspector accounts who may answer an appeal of ``unit``: not
    those working for it or a unit above or below it (回避). Two queries."""
    line = Unit.line_of(unit.id)
    query = User.select().where(User.role.in_(list(STAFF)), User.active == True)  # noqa: E712
    return [u for u in query.order_by(User.id) if u.unit_id is None or u.unit_id not in line]


def answer(
    appeal: Appeal,
    upheld: bool,
    text: str,
    actor: User,
    verified_value: str = "",
    deduction: Decimal | None = None,
    deduction_reason: str = "",
) -> Appeal:
    """Answer an open appeal; audited, and the unit's reporters told.

    Upheld: the item's verified value and deduction become ``verified_value`` (the value
    it stands at: '' or the reported value keeps it as reported) and ``deduction``, through
    ``submissions.verify_on_appeal`` (its checks, 回避 and audit entry) in this same
    transaction, with the answer as the 核定理由 (and as the 扣分原因 unless one is given).
    Refused (AppealError, nothing changed) without an answer, once answered, outside a
    published cycle, to a reviewer who must recuse (回避), and (SubmissionError) when the
    correction is refused or changes nothing.
    """
    text = (text or "").strip()
    if not text:
        raise AppealError(_("请填写答复意见") if upheld else _("申诉不成立须填写理由"))
    if len(text) > MAX_TEXT_CHARS:
        raise AppealError(_("答复意见不能超过 %(n)s 字", n=MAX_TEXT_CHARS))
    with database.atomic():
        cycle = locked_cycle(appeal.cycle_id, "appeal", AppealError)
        current = locked(Appeal, appeal.id)
        if current.state != AppealState.OPEN:
            raise AppealError(_("该复核申诉已答复，不能再次答复"))
        if current.conflicts_with(actor):
            raise AppealError(recusal_message(current.unit))
        before = audit.model_snapshot(current, APPEAL_AUDIT_FIELDS)
        changes = {
            "state": AppealState.UPHELD if upheld else AppealState.REJECTED,
            "open_slot": None,
            "answer": text,
            "answered_by": actor,
            "answered_at": utcnow(),
        }
        if upheld:
            sub = Submission.get_or_none(
                Submission.cycle == current.cycle_id,
                Submission.unit == current.unit_id,
                Submission.indicator_code == current.indicator_code,
            )
            if sub is None:
                raise AppealError(_("该指标未报送，没有可改正的核定值；请答复为申诉不成立并说明"))
            submissions.verify_on_appeal(
                sub,
                actor,
                verified_value,
                _("申诉复核：%(a)s", a=text),
                deduction,
                deduction_reason.strip() or text,
            )
            changes["verified_value_text"] = sub.verified_value_text
            changes["deduction"] = sub.deduction
        Appeal.update(**changes).where(Appeal.id == current.id).execute()
        for key, value in changes.items():
            setattr(current, key, value)
            setattr(appeal, key, value)
        audit.record(
            "appeal.answer",
            "appeal",
            current.id,
            before=before,
            after=audit.model_snapshot(current, APPEAL_AUDIT_FIELDS),
            actor=actor,
        )
        store.notify_unit(
            current.unit_id,
            NotificationKind.APPEAL_ANSWERED,
            {
                "cycle": cycle.title,
                "code": current.indicator_code,
                "name": indicator_set(cycle).indicator(current.indicator_code).name,
                "outcome": changes["state"],
                "answer": text[:NOTIFIED_CHARS],
            },
            store.target(
                "appeals.unit_appeals",
                cycle_id=cycle.id,
                unit_id=current.unit_id,
                _anchor=f"appeal-{current.id}",
            ),
        )
    return appeal


def set_appeal_due(cycle: Cycle, due: date | None, reason: str, actor: User) -> Cycle:
    """Set (or clear) the cycle's appeal deadline (申诉截止) with a reason; audited.
    Refused (CycleError, nothing changed) without a reason, when nothing changes, before
    the cycle is open and once it is archived."""
    reason = (reason or "").strip()
    if not reason:
        raise CycleError(_("请填写原因"))
    with database.atomic():
        current = locked_cycle(cycle.id)
        if not cycle_allows(current, "appeal_due"):
            raise CycleError(write_refused("appeal_due"))
        if current.appeal_due == due:
            raise CycleError(_("申诉截止日期没有变化"))
        edit_cycle(cycle, current, {"appeal_due": due}, "cycle.appeal_due", reason, actor)
    return cycle


# --- read models ---------------------------------------------------------------------------


def _with_people(query):
    filer, answerer = User.alias(), User.alias()
    return (
        query.select(Appeal, Unit, filer, answerer)
        .join(Unit, on=(Appeal.unit == Unit.id))
        .switch(Appeal)
        .join(filer, pw.JOIN.LEFT_OUTER, on=(Appeal.filed_by == filer.id), attr="filed_by")
        .switch(Appeal)
        .join(
            answerer,
            pw.JOIN.LEFT_OUTER,
            on=(Appeal.answered_by == answerer.id),
            attr="answered_by",
        )
    )


def of_unit(cycle: Cycle, unit_id: int) -> list[Appeal]:
    """The unit's appeals in the cycle, newest first (one query)."""
    query = _with_people(Appeal.select()).where(Appeal.cycle == cycle.id, Appeal.unit == unit_id)
    return list(query.order_by(Appeal.filed_at.desc(), Appeal.id.desc()))


def of_cycle(cycle: Cycle) -> list[Appeal]:
    """Every appeal of the cycle: open ones first, then by unit and indicator (one query)."""
    query = _with_people(Appeal.select()).where(Appeal.cycle == cycle.id)
    waiting = pw.Case(None, [(Appeal.state == AppealState.OPEN, 0)], 1)
    return list(
        query.order_by(
            waiting, tree_order(Unit.id), indicator_order(cycle, Appeal.indicator_code), Appeal.id
        )
    )


def evidence_of(rows: list[Appeal]) -> dict[int, list[Evidence]]:
    """The evidence files of each appeal (申诉佐证材料), by appeal id (one query)."""
    found: dict[int, list[Evidence]] = {r.id: [] for r in rows}
    if rows:
        query = Evidence.select().where(Evidence.appeal.in_(list(found)))
        for e in query.order_by(Evidence.id):
            found[e.appeal_id].append(e)
    return found


def upheld_since_publication(cycle: Cycle) -> list[Appeal]:
    """Upheld appeals answered after the current snapshot was published: corrections the
    published results do not show yet, which a republication (申诉复核) would bring in."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return []
    return list(
        Appeal.select()
        .where(
            Appeal.cycle == cycle.id,
            Appeal.state == AppealState.UPHELD,
            Appeal.answered_at > snapshot.published_at,
        )
        .order_by(Appeal.id)
    )


def open_count(cycle_ids: list[int], user=None) -> dict[int, int]:
    """cycle id -> appeals waiting for an answer; with ``user``, only those it may answer
    (not its own unit's line: 回避). One query."""
    if not cycle_ids:
        return {}
    query = Appeal.select(Appeal.cycle, pw.fn.COUNT(Appeal.id)).where(
        Appeal.cycle.in_(cycle_ids), Appeal.state == AppealState.OPEN
    )
    recused = Unit.recused_for(user) if user is not None else frozenset()
    if recused:
        query = query.where(Appeal.unit.not_in(list(recused)))
    return dict(query.group_by(Appeal.cycle).tuples())
