"""Reviewer assignment and review of a nomination round (评审分配与评分), per SPEC §5.

Assignment is ``scoring.assignment``: balanced, never a reviewer from the nominating unit,
never one that declared a conflict; the admin may adjust one nomination by hand, checked by
``check_assignment``. A reviewer fills its score sheet criterion by criterion with a
comment, may save a draft, and once it submits sees the other reviewers' totals (without
names) but never before. Every write is audited in its transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import NominationState, NotificationKind, ReviewSheetState
from assess.core.formatting import plain_number
from assess.core.models import utcnow
from assess.core.policy import can
from assess.nominations.models import (
    CriterionScore,
    Nomination,
    NominationRound,
    ReviewerConflict,
    ReviewSheet,
)
from assess.nominations.rounds import (
    NominationError,
    active_nominations,
    criteria,
    locked_round,
    panel,
    require_not_confirmed,
    require_window_closed,
    round_sheets,
)
from assess.notifications import store
from scoring import assignment
from scoring.nomination_totals import weighted_total

MAX_POINTS_PLACES = 2

# --- assignment (admin) --------------------------------------------------------------------


@dataclass(frozen=True)
class _EngineInputs:
    nominations: list[assignment.Nomination]
    reviewers: list[assignment.Reviewer]
    conflicts: set[tuple[str, str]]


def _engine_inputs(round_: NominationRound) -> _EngineInputs:
    # Names go with the ids so that a refusal names people and nominees, not row numbers.
    nominations = [
        assignment.Nomination(str(n.id), str(n.unit_id), n.nominee_name)
        for n in active_nominations(round_)
    ]
    # A reviewer without a unit has unit "" and so conflicts with no nominating unit.
    reviewers = [
        assignment.Reviewer(str(u.id), str(u.unit_id or ""), u.label) for u in panel(round_)
    ]
    conflicts = {
        (str(c.reviewer_id), str(c.nomination_id))
        for c in ReviewerConflict.select().join(Nomination).where(Nomination.round == round_)
    }
    return _EngineInputs(nominations, reviewers, conflicts)


def _current_assignment(round_: NominationRound) -> dict[str, list[str]]:
    current: dict[str, list[str]] = defaultdict(list)
    for nomination_id, reviewer_id in (
        round_sheets(round_).select(ReviewSheet.nomination, ReviewSheet.reviewer).tuples()
    ):
        current[str(nomination_id)].append(str(reviewer_id))
    return current


def _insert_sheets(
    round_: NominationRound, pairs: Iterable[tuple[str, str]], method: str, actor: User
) -> int:
    """Write the sheets of ``pairs`` (nomination, reviewer) and tell each reviewer how many
    were assigned to it, in the caller's transaction; return how many sheets."""
    pairs = list(pairs)
    now = utcnow()
    rows = [
        {
            "nomination": int(n),
            "reviewer": int(r),
            "method": method,
            "assigned_at": now,
            "assigned_by": actor.id,
            "status": ReviewSheetState.ASSIGNED,
        }
        for n, r in pairs
    ]
    for start in range(0, len(rows), 200):
        ReviewSheet.insert_many(rows[start : start + 200]).execute()
    _notify_reviewers(round_, Counter(int(r) for _n, r in pairs))
    return len(rows)


def _notify_reviewers(round_: NominationRound, sheets: Counter) -> None:
    """One notification per reviewer given sheets, with the count and a link to its list."""
    reviewers = {u.id: u for u in User.select().where(User.id.in_(list(sheets) or [0]))}
    link = store.target("nominations.my_reviews", round_id=round_.id)
    for reviewer_id, count in sorted(sheets.items()):
        store.notify(
            [reviewers[reviewer_id]],
            NotificationKind.REVIEW_ASSIGNED,
            {"round": round_.title, "count": count},
            link,
        )


def auto_assign(round_: NominationRound, actor: User) -> dict[str, tuple[str, ...]]:
    """Assign ``k`` reviewers to every nomination, balanced (``scoring.assignment``), after
    the window has closed and before anyone has begun scoring; replaces an earlier
    automatic or manual assignment. Returns nomination id → reviewer ids."""
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        require_window_closed(round_)
        if round_sheets(round_).where(ReviewSheet.status != ReviewSheetState.ASSIGNED).exists():
            raise NominationError(_("已有评审开始打分，不能重新分配；请用“补齐分配”或逐个调整"))
        inputs = _engine_inputs(round_)
        if not inputs.nominations:
            raise NominationError(_("本轮没有有效提名"))
        seed = round_.id
        try:
            result = assignment.assign_reviewers(
                inputs.nominations,
                inputs.reviewers,
                round_.reviewers_per_nomination,
                conflicts=inputs.conflicts,
                seed=seed,
            )
        except assignment.AssignmentError as exc:
            raise NominationError(str(exc)) from exc
        ReviewSheet.delete().where(
            ReviewSheet.id.in_(round_sheets(round_).select(ReviewSheet.id))
        ).execute()
        count = _insert_sheets(
            round_, ((n, r) for n, rs in result.items() for r in rs), "auto", actor
        )
        audit.record(
            "nomination.assign",
            "nomination_round",
            round_.id,
            after={"method": "auto", "seed": seed, "sheets": count, "assignment": result},
            actor=actor,
        )
    return result


def fill_assignment(round_: NominationRound, actor: User) -> int:
    """Give every nomination short of ``k`` reviewers (after a conflict was declared or a
    reviewer removed) the missing ones, balanced among eligible panel members who do not
    already hold its sheet. Returns the number of sheets added."""
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        require_window_closed(round_)
        inputs = _engine_inputs(round_)
        current = _current_assignment(round_)
        k = round_.reviewers_per_nomination
        short: dict[int, list[assignment.Nomination]] = defaultdict(list)
        for n in inputs.nominations:
            if len(current.get(n.id, [])) < k:
                short[k - len(current.get(n.id, []))].append(n)
        if not short:
            raise NominationError(_("每个提名的评审人均已满额"))
        # Reviewers already holding a sheet count as conflicts, so none is given it twice.
        held = {(r, n) for n, rs in current.items() for r in rs}
        added: dict[str, tuple[str, ...]] = {}
        try:
            for missing, group in sorted(short.items()):
                added.update(
                    assignment.assign_reviewers(
                        group,
                        inputs.reviewers,
                        missing,
                        conflicts=inputs.conflicts | held,
                        seed=round_.id,
                    )
                )
        except assignment.AssignmentError as exc:
            raise NominationError(str(exc)) from exc
        count = _insert_sheets(
            round_, ((n, r) for n, rs in added.items() for r in rs), "auto", actor
        )
        audit.record(
            "nomination.assign_fill",
            "nomination_round",
            round_.id,
            after={"method": "fill", "sheets": count, "added": added},
            actor=actor,
        )
    return count


def set_reviewers(nomination: Nomination, reviewer_ids: Iterable[int], actor: User) -> None:
    """The admin's hand adjustment of one nomination's reviewers, checked with
    ``scoring.assignment.check_assignment``; a submitted sheet cannot be taken away."""
    wanted = sorted({str(r) for r in reviewer_ids})
    with database.atomic():
        round_ = locked_round(nomination.round)
        require_not_confirmed(round_)
        require_window_closed(round_)
        if nomination.status != NominationState.SUBMITTED:
            raise NominationError(_("该提名已撤回"))
        inputs = _engine_inputs(round_)
        problems = assignment.check_assignment(
            {str(nomination.id): wanted},
            [n for n in inputs.nominations if n.id == str(nomination.id)],
            inputs.reviewers,
            round_.reviewers_per_nomination,
            conflicts=inputs.conflicts,
        )
        if problems:
            raise NominationError(problems[0], problems)
        sheets = {str(s.reviewer_id): s for s in nomination.sheets}
        dropped = [s for r, s in sheets.items() if r not in wanted]
        if any(s.status == ReviewSheetState.SUBMITTED for s in dropped):
            raise NominationError(_("已提交评分的评审人不能移除"))
        for sheet in dropped:
            sheet.delete_instance(recursive=True)
        _insert_sheets(
            round_, ((str(nomination.id), r) for r in wanted if r not in sheets), "manual", actor
        )
        audit.record(
            "nomination.reviewers",
            "nomination",
            nomination.id,
            before={"reviewers": sorted(sheets)},
            after={"reviewers": wanted},
            actor=actor,
        )


# --- review (reviewers) --------------------------------------------------------------------


def parse_points(text: str | None) -> Decimal | None:
    """Points typed into a score sheet, or None when blank; NominationError if not a number
    with at most two decimals."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise NominationError(_("得分“%(v)s”不是数字", v=text)) from None
    if not value.is_finite() or -value.as_tuple().exponent > MAX_POINTS_PLACES:
        raise NominationError(_("得分“%(v)s”最多保留两位小数", v=text))
    return value


def save_review(
    sheet: ReviewSheet,
    entries: Mapping[int, tuple[Decimal | None, str]],
    submit: bool,
    actor: User,
) -> ReviewSheet:
    """Save a reviewer's score sheet: criterion id → (points, comment). A draft may be
    partial; submitting needs every criterion scored (0..its points) with a comment, fixes
    the total (``scoring.nomination_totals.weighted_total``) and cannot be undone."""
    with database.atomic():
        round_ = locked_round(sheet.nomination.round)
        require_not_confirmed(round_)
        sheet = ReviewSheet.get_or_none(ReviewSheet.id == sheet.id)
        if (
            sheet is None
            or sheet.reviewer_id != actor.id
            or not can(actor, "nominations.review", sheet.nomination)
        ):
            raise NominationError(_("您没有这份评分表"))
        if sheet.status == ReviewSheetState.SUBMITTED:
            raise NominationError(_("评分已提交，不能修改"))
        lines = criteria(round_)
        problems = []
        for c in lines:
            points, comment = entries.get(c.id, (None, ""))
            if points is not None and not 0 <= points <= c.weight:
                problems.append(
                    _(
                        "“%(n)s”的得分应在 0–%(w)s 之间",
                        n=c.name,
                        w=plain_number(c.weight),
                    )
                )
            if submit and (points is None or not comment.strip()):
                problems.append(_("“%(n)s”须填写得分和评语", n=c.name))
        if problems:
            raise NominationError(problems[0], problems)
        total = None
        if submit:
            total = weighted_total(
                {str(c.id): entries[c.id][0] for c in lines}, {str(c.id): c.weight for c in lines}
            )
        CriterionScore.delete().where(CriterionScore.sheet == sheet).execute()
        CriterionScore.insert_many(
            [
                {
                    "sheet": sheet.id,
                    "criterion": c.id,
                    "points": entries.get(c.id, (None, ""))[0],
                    "comment": entries.get(c.id, (None, ""))[1].strip(),
                }
                for c in lines
            ]
        ).execute()
        now = utcnow()
        sheet.status = ReviewSheetState.SUBMITTED if submit else ReviewSheetState.DRAFT
        sheet.total = total
        sheet.updated_at = now
        sheet.submitted_at = now if submit else None
        sheet.save()
        audit.record(
            "review.submit" if submit else "review.save",
            "review_sheet",
            sheet.id,
            after={
                "nomination": sheet.nomination_id,
                "total": total,
                "scores": {
                    str(c): [None if p is None else str(p), m] for c, (p, m) in entries.items()
                },
            },
            actor=actor,
        )
    return sheet


def peer_totals(sheet: ReviewSheet) -> list[Decimal] | None:
    """Other reviewers' submitted totals for the same nomination, ascending and without
    names; None until this reviewer has submitted its own (blind review, SPEC §5)."""
    if sheet.status != ReviewSheetState.SUBMITTED:
        return None
    query = ReviewSheet.select(ReviewSheet.total).where(
        ReviewSheet.nomination == sheet.nomination_id,
        ReviewSheet.status == ReviewSheetState.SUBMITTED,
        ReviewSheet.id != sheet.id,
    )
    return sorted(s.total for s in query)
