"""What the nomination pages show (十类典型评选): progress, ranked tables, the review
record per nominee and the award list (表彰名单) with its Excel and PDF forms.

Read-only: every write is in ``assess.nominations``. Each function runs a fixed number of
queries whatever the number of nominations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from peewee import fn

from assess.accounts.models import User
from assess.core.enums import NominationState, ReviewSheetState, RoundPhase
from assess.core.formatting import local_date, plain_number
from assess.nominations import ranking_runs, rounds
from assess.nominations.models import (
    CriterionScore,
    Nomination,
    NominationCategory,
    NominationRound,
    PanelDecision,
    RankingRun,
    ReviewerConflict,
    ReviewSheet,
    ScoreCriterion,
)
from assess.units.models import Unit
from scoring.nomination_ranking import (
    CUT_LINE_TIE,
    DISAGREEMENT,
    NOT_RANKABLE,
    TIE,
    RankedNominee,
    RankingParams,
)
from scoring.nomination_totals import normalised_totals


def flag_label(flag: str) -> str:
    return {
        NOT_RANKABLE: _("有效评审不足"),
        DISAGREEMENT: _("评分分歧大"),
        TIE: _("并列"),
        CUT_LINE_TIE: _("名额线并列"),
    }.get(flag, flag)


def score_text(value: Decimal | None) -> str:
    """A total or score to two decimals, as SPEC §5 rounds them: 70.50."""
    return "" if value is None else f"{Decimal(value):.2f}"


CN_DIGITS = "零一二三四五六七八九十"


def cn_index(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: headings of a Chinese official list."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


# --- round overview --------------------------------------------------------------------------


@dataclass
class RoundLine:
    round: NominationRound
    phase: RoundPhase
    nominations: int


def round_lines(user, unit_id: int | None = None) -> list[RoundLine]:
    """The rounds ``user`` reaches (``rounds.reached_rounds``), newest first, with their
    phase and active nominations (of one unit if ``unit_id`` is given)."""
    counts_query = Nomination.select(Nomination.round, fn.COUNT(Nomination.id)).where(
        Nomination.status == NominationState.SUBMITTED
    )
    if unit_id is not None:
        counts_query = counts_query.where(Nomination.unit == unit_id)
    counts = dict(counts_query.group_by(Nomination.round).tuples())
    query = rounds.reached_rounds(user).order_by(
        NominationRound.year.desc(), NominationRound.id.desc()
    )
    return [RoundLine(r, rounds.phase(r), counts.get(r.id, 0)) for r in query]


@dataclass
class Dashboard:
    phase: RoundPhase
    by_category: list[tuple[NominationCategory, int]]
    nominations: int
    units: int
    panel: int
    sheets: int
    submitted: int
    runs: list[RankingRun]
    confirmed: RankingRun | None


def dashboard(round_: NominationRound) -> Dashboard:
    counts = dict(
        rounds.active_nominations(round_)
        .select(Nomination.category, fn.COUNT(Nomination.id))
        .group_by(Nomination.category)
        .tuples()
    )
    units = rounds.active_nominations(round_).select(Nomination.unit).distinct().count()
    status = Counter(
        s
        for (s,) in rounds.round_sheets(round_).select(ReviewSheet.status).tuples()  # noqa: SLF001
    )
    runs = list(
        RankingRun.select().where(RankingRun.round == round_).order_by(RankingRun.number.desc())
    )
    return Dashboard(
        phase=rounds.phase(round_),
        by_category=[(c, counts.get(c.id, 0)) for c in rounds.categories(round_)],
        nominations=sum(counts.values()),
        units=units,
        panel=len(rounds.panel(round_)),
        sheets=sum(status.values()),
        submitted=status[ReviewSheetState.SUBMITTED],
        runs=runs,
        confirmed=next((r for r in runs if r.confirmed_at), None),
    )


def nomination_list(round_: NominationRound, unit_id: int | None = None):
    """The round's nominations with category and unit, by category then id; one unit's
    when ``unit_id`` is given (withdrawn ones included, marked)."""
    query = (
        Nomination.select(Nomination, NominationCategory, Unit)
        .join(NominationCategory)
        .switch(Nomination)
        .join(Unit)
        .where(Nomination.round == round_)
        .order_by(NominationCategory.sort_order, Nomination.id)
    )
    if unit_id is not None:
        query = query.where(Nomination.unit == unit_id)
    return query


# --- assignment and progress ------------------------------------------------------------------


@dataclass
class ReviewerProgress:
    reviewer: User
    assigned: int = 0
    draft: int = 0
    submitted: int = 0
    conflicts: int = 0


@dataclass
class NominationProgress:
    nomination: Nomination
    reviewers: list[tuple[User, str]] = field(default_factory=list)
    submitted: int = 0
    conflicts: int = 0

    @property
    def assigned(self) -> int:
        return len(self.reviewers)


@dataclass
class Progress:
    k: int
    reviewers: list[ReviewerProgress]
    nominations: list[NominationProgress]

    @property
    def short(self) -> int:
        return sum(1 for n in self.nominations if n.assigned < self.k)

    @property
    def total_sheets(self) -> int:
        return sum(n.assigned for n in self.nominations)

    @property
    def total_submitted(self) -> int:
        return sum(n.submitted for n in self.nominations)


def progress(round_: NominationRound) -> Progress:
    """Review progress per reviewer and per nomination (评审进度)."""
    panel = rounds.panel(round_)
    by_reviewer = {u.id: ReviewerProgress(u) for u in panel}
    users = {u.id: u for u in panel}
    nominations = {
        n.id: NominationProgress(n)
        for n in nomination_list(round_).where(Nomination.status == NominationState.SUBMITTED)
    }
    sheets = list(
        rounds.round_sheets(round_)
        .select(ReviewSheet.nomination, ReviewSheet.reviewer, ReviewSheet.status)
        .order_by(ReviewSheet.reviewer)
        .tuples()
    )
    # A reviewer who left the panel (or was disabled) may still hold sheets.
    missing = {reviewer_id for _n, reviewer_id, _s in sheets if reviewer_id not in users}
    users.update({u.id: u for u in User.select().where(User.id.in_(list(missing) or [0]))})
    for nomination_id, reviewer_id, status in sheets:
        line = by_reviewer.setdefault(reviewer_id, ReviewerProgress(users[reviewer_id]))
        line.assigned += 1
        line.draft += status == ReviewSheetState.DRAFT
        line.submitted += status == ReviewSheetState.SUBMITTED
        if nomination_id in nominations:
            nominations[nomination_id].reviewers.append((users[reviewer_id], status))
            nominations[nomination_id].submitted += status == ReviewSheetState.SUBMITTED
    conflicts = (
        ReviewerConflict.select(ReviewerConflict.nomination, ReviewerConflict.reviewer)
        .join(Nomination)
        .where(Nomination.round == round_)
        .tuples()
    )
    for nomination_id, reviewer_id in conflicts:
        if reviewer_id in by_reviewer:
            by_reviewer[reviewer_id].conflicts += 1
        if nomination_id in nominations:
            nominations[nomination_id].conflicts += 1
    return Progress(
        round_.reviewers_per_nomination,
        sorted(by_reviewer.values(), key=lambda p: p.reviewer.username),
        list(nominations.values()),
    )


@dataclass
class ReviewerTask:
    nomination: Nomination
    sheet: ReviewSheet


def reviewer_tasks(round_: NominationRound, reviewer: User) -> list[ReviewerTask]:
    """The reviewer's score sheets in the round, unfinished first."""
    query = (
        ReviewSheet.select(ReviewSheet, Nomination, NominationCategory)
        .join(Nomination)
        .join(NominationCategory)
        .where(
            Nomination.round == round_,
            Nomination.status == NominationState.SUBMITTED,
            ReviewSheet.reviewer == reviewer.id,
        )
        .order_by(NominationCategory.sort_order, Nomination.id)
    )
    tasks = [ReviewerTask(s.nomination, s) for s in query]
    return sorted(tasks, key=lambda t: t.sheet.status == ReviewSheetState.SUBMITTED)


# --- ranking runs ------------------------------------------------------------------------------


@dataclass
class RunRow:
    line: RankedNominee
    nomination: Nomination
    category: NominationCategory
    decision: PanelDecision | None
    final: bool | None


@dataclass
class RunTable:
    run: RankingRun
    params: RankingParams
    rows: list[RunRow]
    problems: list[str]
    is_latest: bool

    @property
    def selected_count(self) -> int:
        return sum(1 for r in self.rows if r.final)

    @property
    def undecided(self) -> list[RunRow]:
        return [r for r in self.rows if r.line.selected is None]


def run_table(run: RankingRun) -> RunTable:
    results = ranking_runs.run_results(run)
    nominations = {
        n.id: n
        for n in Nomination.select(Nomination, NominationCategory, Unit)
        .join(NominationCategory)
        .switch(Nomination)
        .join(Unit)
        .where(Nomination.id.in_([int(r.nomination) for r in results] or [0]))
    }
    decided = ranking_runs.decisions(run)
    final = ranking_runs.final_selection(run, results, decided)
    rows = [
        RunRow(
            r,
            nominations[int(r.nomination)],
            nominations[int(r.nomination)].category,
            decided.get(r.nomination),
            final[r.nomination],
        )
        for r in results
    ]
    latest = rounds.latest_run(run.round)
    return RunTable(
        run,
        ranking_runs.run_params(run),
        rows,
        [] if run.confirmed_at else ranking_runs.decision_problems(run, results, decided),
        latest is not None and latest.id == run.id,
    )


def params_text(run: RankingRun) -> str:
    """A run's parameters in words, for the list of runs."""
    p = ranking_runs.run_params(run)
    parts = [
        _("前 %(n)s 名", n=p.top),
        _("每类最多 %(c)s 名", c=p.cap_per_category) if p.cap_per_category else _("每类不限"),
        _("至少 %(m)s 份有效评分", m=p.min_reviews),
        _("按评审人标准化") if p.normalise else _("原始分"),
    ]
    return "；".join(parts)


# --- review record per nominee ---------------------------------------------------------------


@dataclass
class RecordSheet:
    reviewer: User
    sheet: ReviewSheet
    scores: dict[int, CriterionScore]
    normalised: Decimal | None


@dataclass
class ReviewRecord:
    nomination: Nomination
    criteria: list[ScoreCriterion]
    sheets: list[RecordSheet]
    run: RankingRun | None
    line: RankedNominee | None
    decision: PanelDecision | None


def review_record(nomination: Nomination) -> ReviewRecord:
    """The review record (评审记录) of one nominee: every reviewer's sheet, criterion by
    criterion, and its line in the confirmed run (else the latest), with the normalised
    total of each reviewer when that run normalised."""
    round_ = nomination.round
    run = rounds.confirmed_run(round_) or rounds.latest_run(round_)
    line = decision = None
    normalised: dict[tuple[str, str], Decimal] = {}
    if run is not None:
        line = next(
            (r for r in ranking_runs.run_results(run) if r.nomination == str(nomination.id)), None
        )
        decision = ranking_runs.decisions(run).get(str(nomination.id))
        if ranking_runs.run_params(run).normalise:
            normalised = normalised_totals(ranking_runs.run_reviews(run))
    sheets = list(
        ReviewSheet.select(ReviewSheet, User)
        .join(User, on=(ReviewSheet.reviewer == User.id))
        .where(ReviewSheet.nomination == nomination)
        .order_by(User.username)
    )
    scores: dict[int, dict[int, CriterionScore]] = defaultdict(dict)
    for s in CriterionScore.select().where(CriterionScore.sheet.in_([s.id for s in sheets] or [0])):
        scores[s.sheet_id][s.criterion_id] = s
    return ReviewRecord(
        nomination,
        rounds.criteria(round_),
        [
            RecordSheet(
                s.reviewer,
                s,
                scores[s.id],
                normalised.get((str(nomination.id), str(s.reviewer_id))),
            )
            for s in sheets
        ],
        run,
        line,
        decision,
    )


# --- the award list ----------------------------------------------------------------------------


@dataclass
class Awardee:
    rank: int
    place: int
    nomination: Nomination
    line: RankedNominee
    decision: PanelDecision | None


@dataclass
class AwardList:
    round: NominationRound
    run: RankingRun
    params: RankingParams
    categories: list[tuple[NominationCategory, list[Awardee]]]
    confirmed_on: date

    @property
    def count(self) -> int:
        return sum(len(a) for _c, a in self.categories)

    @property
    def title(self) -> str:
        return _(
            "%(year)s年度郑州市培育十类典型促进流动人口社会融合先进集体和先进个人表彰名单",
            year=self.round.year,
        )


def award_list(round_: NominationRound) -> AwardList | None:
    """The confirmed award list, by category in the round's order and by rank within each;
    None until the admin has confirmed a run."""
    run = rounds.confirmed_run(round_)
    if run is None:
        return None
    table = run_table(run)
    grouped: dict[int, list[RunRow]] = defaultdict(list)
    for row in table.rows:
        if row.final:
            grouped[row.category.id].append(row)
    categories = []
    for category in rounds.categories(round_):
        rows = grouped.get(category.id, [])
        if rows:
            categories.append(
                (
                    category,
                    [
                        Awardee(r.line.rank or 0, i + 1, r.nomination, r.line, r.decision)
                        for i, r in enumerate(rows)
                    ],
                )
            )
    confirmed = local_date(run.confirmed_at)
    return AwardList(round_, run, table.params, categories, confirmed)


# --- review pages ------------------------------------------------------------------------------


def review_form_data(sheet: ReviewSheet) -> dict[str, object]:
    """A score sheet's saved points and comments as form data."""
    data: dict[str, object] = {}
    for s in CriterionScore.select().where(CriterionScore.sheet == sheet):
        data[f"points_{s.criterion_id}"] = plain_number(s.points)
        data[f"comment_{s.criterion_id}"] = s.comment
    return data


def conflicted_reviewers(nomination: Nomination) -> list[tuple[User, str]]:
    """Panel members who may not review ``nomination``, with the reason: the nominating
    unit, or a declared conflict."""
    declared = {
        c.reviewer_id: c.reason
        for c in ReviewerConflict.select().where(ReviewerConflict.nomination == nomination)
    }
    lines = []
    for user in rounds.panel(nomination.round):
        if user.unit_id is not None and user.unit_id == nomination.unit_id:
            lines.append((user, _("来自提名单位")))
        elif user.id in declared:
            lines.append((user, _("已声明回避：%(r)s", r=declared[user.id])))
    return lines


@dataclass
class ConflictLine:
    nomination: Nomination
    own_unit: bool
    declared: str | None
    sheet_status: str | None


def conflict_lines(round_: NominationRound, reviewer: User) -> list[ConflictLine]:
    """Every active nomination of the round as a reviewer sees it when declaring conflicts:
    name, category and nominating unit only, never deeds or scores."""
    declared = {
        c.nomination_id: c.reason
        for c in ReviewerConflict.select()
        .join(Nomination)
        .where(Nomination.round == round_, ReviewerConflict.reviewer == reviewer.id)
    }
    held = dict(
        rounds.round_sheets(round_)
        .select(ReviewSheet.nomination, ReviewSheet.status)
        .where(ReviewSheet.reviewer == reviewer.id)
        .tuples()
    )
    return [
        ConflictLine(
            n,
            reviewer.unit_id is not None and reviewer.unit_id == n.unit_id,
            declared.get(n.id),
            held.get(n.id),
        )
        for n in nomination_list(round_).where(Nomination.status == NominationState.SUBMITTED)
    ]
