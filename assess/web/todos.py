"""The home page's to-dos (待办): what each role has to act on now, with counts, deadlines
and days left, each with the page to act on.

Read models only: each panel is built in a fixed number of queries per open cycle or round
(never per unit or per item), from the areas' own read models (``cycles.pages``,
``cycles.review_queue``, ``nominations.rounds``), and takes the person and the day as
arguments; links are (endpoint, arguments) pairs the template turns into URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from peewee import fn

from assess.core.enums import (
    ANSWERED_APPEAL_STATES,
    RECTIFIABLE_CYCLE_STATES,
    RESULT_CYCLE_STATES,
    REVIEWABLE_CYCLE_STATES,
    AppealState,
    CycleState,
    Light,
    NominationState,
    RectificationState,
    ReviewSheetState,
    RoundPhase,
    SubmissionState,
)
from assess.core.formatting import local_today
from assess.core.policy import can, reaches_cycle
from assess.cycles import appeals
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import (
    Appeal,
    Assignment,
    Cycle,
    Rectification,
    Submission,
    UnitResultRecord,
)
from assess.cycles.pages import cycle_totals, unit_progress, unit_statuses
from assess.cycles.publishing import current_snapshot
from assess.cycles.review_queue import ALL_STATES, QueueFilter, queue_query, status_counts
from assess.delivery import outbox
from assess.nominations import rounds
from assess.nominations.models import Nomination, NominationRound, RankingRun, ReviewSheet
from assess.reports.page_figure import PageFigure
from assess.reports.web_figures import published_figures
from assess.units.models import Unit
from assess.units.tree import units_in_tree_order

# The office's home lists at most this many units per cycle (late ones first); the cycle's
# overview lists them all.
UNITS_SHOWN = 8
# A reporter's home shows the answers to its unit's appeals (复核申诉) for this many days.
ANSWERS_SHOWN_DAYS = 14


@dataclass(frozen=True)
class Link:
    endpoint: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Deadline:
    """A day something is due and the days left to it (0: today; negative: overdue)."""

    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadline(due: date | None, today: date) -> Deadline | None:
    return Deadline(due, (due - today).days) if due else None


# --- reporter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnedItem:
    """An item sent back (退回) with the inspector's reason."""

    code: str
    name: str
    reason: str
    link: Link


@dataclass(frozen=True)
class CycleTodo:
    """One open cycle's self-report as the unit's reporter reads it."""

    cycle: Cycle
    to_fill: int  # scored items neither handed in nor sent back
    returned: list[ReturnedItem]
    deadline: Deadline | None
    link: Link


@dataclass(frozen=True)
class RectificationTodo:
    rectification: Rectification
    cycle: Cycle
    deadline: Deadline
    link: Link


@dataclass(frozen=True)
class RoundTodo:
    """A nomination window open now (or a round being reviewed, for the office)."""

    round: NominationRound
    phase: str
    nominations: int
    deadline: Deadline | None
    link: Link


@dataclass(frozen=True)
class AppealWindowTodo:
    """A published cycle whose appeal window (复核申诉) is open for the unit."""

    cycle: Cycle
    deadline: Deadline
    open_appeals: int  # the unit's appeals waiting for their answer
    link: Link


@dataclass(frozen=True)
class AnswerTodo:
    """An answer to one of the unit's appeals, recent enough to show."""

    appeal: Appeal
    cycle: Cycle
    name: str
    link: Link


@dataclass(frozen=True)
class ReporterTodos:
    cycles: list[CycleTodo]
    rectifications: list[RectificationTodo]
    rounds: list[RoundTodo]
    appeal_windows: list[AppealWindowTodo] = field(default_factory=list)
    answers: list[AnswerTodo] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            any(c.to_fill or c.returned for c in self.cycles)
            or self.rectifications
            or self.rounds
            or self.appeal_windows
            or self.answers
        )


def reporter_todos(user, today: date | None = None) -> ReporterTodos:
    """The reporter's own unit's work: items to fill and sent back in each cycle open for
    self-report, rectification demands not yet answered, nomination windows open now."""
    today = today or local_today()
    unit_id = user.unit_id
    if unit_id is None:
        return ReporterTodos([], [], [])
    open_cycles = list(
        Cycle.select()
        .join(Assignment, on=(Assignment.cycle == Cycle.id))
        .where(Cycle.state == CycleState.OPEN, Assignment.unit == unit_id)
        .distinct()
        .order_by(Cycle.year.desc(), Cycle.id.desc())
    )
    returned_rows = (
        Submission.select(Submission.cycle, Submission.indicator_code, Submission.return_reason)
        .where(
            Submission.unit == unit_id,
            Submission.status == SubmissionState.RETURNED,
            Submission.cycle.in_([c.id for c in open_cycles] or [0]),
        )
        .order_by(Submission.cycle, Submission.indicator_code)
        .tuples()
    )
    returned: dict[int, list[tuple[str, str]]] = {}
    for cycle_id, code, reason in returned_rows:
        returned.setdefault(cycle_id, []).append((code, reason))
    cycles = []
    for cycle in open_cycles:
        progress = unit_progress(cycle, [unit_id]).get(unit_id)
        parsed = indicator_set(cycle)
        page = Link("selfreport.unit_page", {"cycle_id": cycle.id, "unit_id": unit_id})
        items = [
            ReturnedItem(
                code,
                parsed.indicator(code).name,
                reason,
                Link(page.endpoint, page.args | {"_anchor": f"item-{code}"}),
            )
            for code, reason in returned.get(cycle.id, [])
        ]
        scored_returned = sum(1 for item in items if parsed.indicator(item.code).is_base)
        to_fill = (
            max(0, progress.required - progress.required_handed_in - scored_returned)
            if progress
            else 0
        )
        cycles.append(
            CycleTodo(
                cycle, to_fill, items, deadline(cycle.self_report_due_for(unit_id), today), page
            )
        )
    return ReporterTodos(
        cycles,
        _unit_rectifications(unit_id, today),
        _open_windows(unit_id, today),
        _appeal_windows(unit_id, today),
        _appeal_answers(unit_id, today),
    )


def _appeal_windows(unit_id: int, today: date) -> list[AppealWindowTodo]:
    """Published cycles assessing the unit whose appeal deadline has not passed, with the
    unit's appeals waiting in each (two queries)."""
    found = list(
        Cycle.select()
        .join(Assignment, on=(Assignment.cycle == Cycle.id))
        .where(
            Cycle.state == CycleState.PUBLISHED,
            Cycle.appeal_due >= today,
            Assignment.unit == unit_id,
        )
        .distinct()
        .order_by(Cycle.appeal_due, Cycle.id)
    )
    waiting = dict(
        Appeal.select(Appeal.cycle, fn.COUNT(Appeal.id))
        .where(
            Appeal.cycle.in_([c.id for c in found] or [0]),
            Appeal.unit == unit_id,
            Appeal.state == AppealState.OPEN,
        )
        .group_by(Appeal.cycle)
        .tuples()
    )
    return [
        AppealWindowTodo(
            c,
            deadline(c.appeal_due, today),
            waiting.get(c.id, 0),
            Link("appeals.unit_appeals", {"cycle_id": c.id, "unit_id": unit_id}),
        )
        for c in found
    ]


def _appeal_answers(unit_id: int, today: date) -> list[AnswerTodo]:
    """The unit's appeals answered in the last ``ANSWERS_SHOWN_DAYS`` days (one query, and
    the indicator names from each cycle's set, parsed once per cycle)."""
    since = today - timedelta(days=ANSWERS_SHOWN_DAYS)
    rows = (
        Appeal.select(Appeal, Cycle)
        .join(Cycle)
        .where(
            Appeal.unit == unit_id,
            Appeal.state.in_(ANSWERED_APPEAL_STATES),
            Appeal.answered_at >= since,
        )
        .order_by(Appeal.answered_at.desc(), Appeal.id.desc())
    )
    return [
        AnswerTodo(
            a,
            a.cycle,
            indicator_set(a.cycle).indicator(a.indicator_code).name,
            Link(
                "appeals.unit_appeals",
                {"cycle_id": a.cycle_id, "unit_id": unit_id, "_anchor": f"appeal-{a.id}"},
            ),
        )
        for a in rows
    ]


def _unit_rectifications(unit_id: int, today: date) -> list[RectificationTodo]:
    rows = (
        Rectification.select(Rectification, Cycle)
        .join(Cycle)
        .where(
            Rectification.unit == unit_id,
            Rectification.status == RectificationState.OPEN,
            Cycle.state.in_(RECTIFIABLE_CYCLE_STATES),
        )
        .order_by(Rectification.due_date, Rectification.id)
    )
    return [
        RectificationTodo(
            r,
            r.cycle,
            deadline(r.due_date, today),
            Link(
                "selfreport.unit_page",
                {"cycle_id": r.cycle_id, "unit_id": unit_id, "_anchor": f"rect-{r.id}"},
            ),
        )
        for r in rows
    ]


def _open_windows(unit_id: int, today: date) -> list[RoundTodo]:
    """Rounds whose nomination window is open today, with the unit's nominations in each
    (two queries)."""
    open_rounds = list(
        NominationRound.select()
        .where(NominationRound.window_opens <= today, NominationRound.window_closes >= today)
        .order_by(NominationRound.window_closes, NominationRound.id)
    )
    counts = dict(
        Nomination.select(Nomination.round, fn.COUNT(Nomination.id))
        .where(
            Nomination.round.in_([r.id for r in open_rounds] or [0]),
            Nomination.unit == unit_id,
            Nomination.status == NominationState.SUBMITTED,
        )
        .group_by(Nomination.round)
        .tuples()
    )
    return [
        RoundTodo(
            r,
            RoundPhase.NOMINATING,
            counts.get(r.id, 0),
            deadline(r.window_closes, today),
            Link("nominations.round_page", {"round_id": r.id}),
        )
        for r in open_rounds
    ]


# --- inspector -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueTodo:
    """One cycle under inspection: its queue by status and the overdue items."""

    cycle: Cycle
    counts: dict[str, int]
    overdue: int
    deadline: Deadline | None  # 核查截止


@dataclass(frozen=True)
class SheetTodo:
    round: NominationRound
    open_sheets: int
    link: Link


def _cycles_in(states, user) -> list[Cycle]:
    """The cycles in one of ``states`` that ``user`` oversees (``reaches_cycle``: an office
    of one level its own subtree's), newest first: the staff panels' one cycle query."""
    query = Cycle.select().where(Cycle.state.in_(states))
    return [
        cycle
        for cycle in query.order_by(Cycle.year.desc(), Cycle.id.desc())
        if reaches_cycle(user, cycle, "cycles.overview")
    ]


def _reviewable_cycles(user) -> list[Cycle]:
    return _cycles_in(REVIEWABLE_CYCLE_STATES, user)


def inspector_todos(user, today: date | None = None) -> list[QueueTodo]:
    """The queue of each cycle under inspection by status and its overdue items, never a
    recused unit's (回避)."""
    today = today or local_today()
    recused = Unit.recused_for(user)
    queues = []
    for cycle in _reviewable_cycles(user):
        counts = status_counts(cycle, recused, QueueFilter(status=ALL_STATES))
        late = queue_query(cycle, recused, QueueFilter(status=ALL_STATES, overdue=True), today)
        queues.append(
            QueueTodo(cycle, counts, late.order_by().count(), deadline(cycle.review_due, today))
        )
    return queues


def review_sheet_todos(user) -> list[SheetTodo]:
    """Score sheets assigned to ``user`` and not submitted, per round not yet confirmed
    (one query for the sheets, one for the confirmed rounds)."""
    rows = (
        ReviewSheet.select(Nomination.round, fn.COUNT(ReviewSheet.id))
        .join(Nomination)
        .where(
            ReviewSheet.reviewer == user.id,
            ReviewSheet.status != ReviewSheetState.SUBMITTED,
            Nomination.status == NominationState.SUBMITTED,
        )
        .group_by(Nomination.round)
        .tuples()
    )
    counts = dict(rows)
    found = NominationRound.select().where(NominationRound.id.in_(list(counts) or [0]))
    return [
        SheetTodo(r, counts[r.id], Link("nominations.my_reviews", {"round_id": r.id}))
        for r in found.order_by(NominationRound.window_closes, NominationRound.id)
        if rounds.confirmed_run(r) is None
    ]


@dataclass(frozen=True)
class PendingAppeals:
    """A published cycle's appeals (复核申诉) waiting for an answer this person may give."""

    cycle: Cycle
    count: int
    deadline: Deadline | None  # the appeal window's last day, while it is open
    link: Link


def appeal_todos(user, today: date | None = None) -> list[PendingAppeals]:
    """Per published cycle, the appeals waiting for an answer, never a recused unit's
    (回避); two queries."""
    today = today or local_today()
    cycles = _cycles_in((CycleState.PUBLISHED,), user)
    counts = appeals.open_count([c.id for c in cycles], user)
    return [
        PendingAppeals(
            c,
            counts[c.id],
            # once the window has closed the answers are still owed, but nothing is late
            deadline(c.appeal_due, today) if c.appeal_due and c.appeal_due >= today else None,
            Link("appeals.cycle_appeals", {"cycle_id": c.id}),
        )
        for c in cycles
        if counts.get(c.id)
    ]


# --- office (admin) ------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    unit: Unit
    handed_in: int
    required: int
    returned: int
    deadline: Deadline | None
    late: bool  # red: its self-report unfinished after its deadline, or a demand overdue


@dataclass(frozen=True)
class ProgressTodo:
    """One cycle in self-report or inspection, as the office follows it."""

    cycle: Cycle
    units: int
    complete: int
    late: int
    open_rectifications: int
    late_rectifications: int
    shown: list[UnitLine]  # units owing something, late ones first, at most UNITS_SHOWN
    unlisted: int  # units owing something beyond those shown
    deadline: Deadline | None


@dataclass(frozen=True)
class AdminTodos:
    cycles: list[ProgressTodo]
    drafts: list[Cycle]
    rounds: list[RoundTodo]
    failed_deliveries: int  # e-mails and robot messages given up on, to look at and resend

    @property
    def empty(self) -> bool:
        return not (self.cycles or self.drafts or self.rounds or self.failed_deliveries)


def admin_todos(user, today: date | None = None) -> AdminTodos:
    """Each cycle in self-report or inspection with its units' progress (late units first,
    in red and in words), its open rectification demands; draft cycles waiting to be
    opened; nomination rounds not yet confirmed with their phase; deliveries given up on."""
    today = today or local_today()
    cycles = []
    for cycle in _reviewable_cycles(user):
        statuses = unit_statuses(cycle, today)
        unfinished = [uid for uid, s in statuses.items() if not s.complete or s.light == Light.RED]
        late = {uid for uid, s in statuses.items() if s.light == Light.RED}
        units = units_in_tree_order(unfinished)
        units.sort(key=lambda u: u.id not in late)  # stable: late first, tree order within
        shown = [
            UnitLine(
                u,
                statuses[u.id].progress.required_handed_in,
                statuses[u.id].progress.required,
                statuses[u.id].returned,
                deadline(statuses[u.id].due, today),
                u.id in late,
            )
            for u in units[:UNITS_SHOWN]
        ]
        totals = cycle_totals(statuses.values())
        cycles.append(
            ProgressTodo(
                cycle,
                totals["units"],
                totals["complete"],
                totals["overdue"],
                totals["open_rectifications"],
                totals["overdue_rectifications"],
                shown,
                len(units) - len(shown),
                deadline(cycle.self_report_due, today),
            )
        )
    drafts = sorted(_cycles_in((CycleState.DRAFT,), user), key=lambda c: c.id)
    # The rounds its level runs (``reaches_round``); the channels are the city's alone.
    rounds_ = _unconfirmed_rounds(user, today) if can(user, "nominations.manage") else []
    failed = outbox.failed().count() if can(user, "delivery.manage") else 0
    return AdminTodos(cycles, drafts, rounds_, failed)


def _unconfirmed_rounds(user, today: date) -> list[RoundTodo]:
    """The rounds ``user`` reaches whose award list is not confirmed, each with its phase and its count of
    nominations: past years' confirmed rounds are left out in SQL, so the office's home
    costs the same however many years of history it holds."""
    confirmed = RankingRun.select(RankingRun.round).where(RankingRun.confirmed_at.is_null(False))
    open_rounds = list(
        rounds.reached_rounds(user)
        .where(NominationRound.id.not_in(confirmed))
        .order_by(NominationRound.year.desc(), NominationRound.id)
    )
    counts = dict(
        Nomination.select(Nomination.round, fn.COUNT(Nomination.id))
        .where(
            Nomination.round.in_([r.id for r in open_rounds] or [0]),
            Nomination.status == NominationState.SUBMITTED,
        )
        .group_by(Nomination.round)
        .tuples()
    )
    lines = []
    for r in open_rounds:
        phase = rounds.phase(r)
        count = counts.get(r.id, 0)
        due = r.window_closes if phase in (RoundPhase.PREPARING, RoundPhase.NOMINATING) else None
        lines.append(
            RoundTodo(
                r,
                phase,
                count,
                deadline(due, today),
                Link("nominations.round_page", {"round_id": r.id}),
            )
        )
    return lines


# --- viewer (leaders) ----------------------------------------------------------------------


@dataclass(frozen=True)
class LatestResults:
    """The latest published results: the cycle, how many units it ranked, the first of
    each kind, and the charts a leader reads first (the grade distribution and the first
    kind's ranking bars, those of the city summary report)."""

    cycle: Cycle
    units: int
    leaders: list[tuple[str, str]]  # (unit kind, name of the first-ranked unit)
    figures: list[PageFigure]


def latest_results(locale: str, user=None) -> LatestResults | None:
    """The most recently published cycle's results that ``user`` oversees (every cycle
    without one), titled in ``locale``; None when nothing is published."""
    published = (
        Cycle.select()
        .where(Cycle.state.in_(RESULT_CYCLE_STATES), Cycle.published_at.is_null(False))
        .order_by(Cycle.published_at.desc(), Cycle.id.desc())
    )
    cycle = next(
        (c for c in published if user is None or reaches_cycle(user, c, "cycles.overview")), None
    )
    figures = published_figures(cycle, locale) if cycle else None
    if figures is None:
        return None
    snapshot = current_snapshot(cycle)
    units = UnitResultRecord.select().where(UnitResultRecord.snapshot == snapshot).count()
    firsts = (
        UnitResultRecord.select(UnitResultRecord.kind, Unit.name)
        .join(Unit)
        .where(UnitResultRecord.snapshot == snapshot, UnitResultRecord.rank == 1)
        .order_by(UnitResultRecord.kind, Unit.code)
        .tuples()
    )
    first_kind = figures.rankings[0][1] if figures.rankings else None
    shown = [f for f in (figures.grades, first_kind) if f is not None]
    return LatestResults(cycle, units, list(firsts), shown)
