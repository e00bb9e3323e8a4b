"""Ranking runs, the panel's decisions and the confirmed award list (排名与表彰名单确认).

A run ranks the round's submitted reviews with ``scoring.nomination_ranking.rank_nominations`` and
is stored as a snapshot: its parameters, the reviews it read and what it found, so it can
be checked offline with ``assess rank-nominations`` whatever happens to the reviews later.
Nominees a cut-line tie leaves undecided (``selected: null``) wait for the panel's recorded
decision; then the admin confirms the run as the award list, which closes the round.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from flask_babel import gettext as _
from peewee import fn

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import NominationState, ReviewSheetState
from assess.core.models import utcnow
from assess.nominations.models import (
    Nomination,
    NominationRound,
    PanelDecision,
    RankingRun,
    ReviewSheet,
)
from assess.nominations.rounds import (
    NominationError,
    active_nominations,
    latest_run,
    locked_round,
    require_not_confirmed,
    round_sheets,
)
from scoring.nomination_ranking import RankedNominee, RankingParams, rank_nominations
from scoring.nomination_totals import Review

# --- ranking runs and the award list (admin) -----------------------------------------------


def _params_to_json(p: RankingParams) -> dict[str, object]:
    return {
        "top": p.top,
        "cap_per_category": p.cap_per_category,
        "min_reviews": p.min_reviews,
        "normalise": p.normalise,
        "disagreement_points": str(p.disagreement_points),
        "excellent_at": str(p.excellent_at),
    }


def run_params(run: RankingRun) -> RankingParams:
    data = json.loads(run.params)
    return RankingParams(
        top=data["top"],
        cap_per_category=data["cap_per_category"],
        min_reviews=data["min_reviews"],
        normalise=data["normalise"],
        disagreement_points=Decimal(data["disagreement_points"]),
        excellent_at=Decimal(data["excellent_at"]),
    )


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def run_results(run: RankingRun) -> list[RankedNominee]:
    """The run's ranked nominees as the engine returned them, in rank order."""
    return [
        RankedNominee(
            nomination=r["nomination"],
            category=r["category"],
            score=_dec(r["score"]),
            raw_score=_dec(r["raw_score"]),
            median=_dec(r["median"]),
            reviews=r["reviews"],
            rank=r["rank"],
            selected=r["selected"],
            flags=tuple(r["flags"]),
            totals=tuple(Decimal(t) for t in r["totals"]),
        )
        for r in json.loads(run.results)
    ]


def run_reviews(run: RankingRun) -> list[Review]:
    """The reviews the run ranked, as the engine read them."""
    return [
        Review(r["nomination"], r["category"], r["reviewer"], Decimal(r["total"]))
        for r in json.loads(run.reviews)
    ]


def _exact(value: Decimal | None) -> str | None:
    # The snapshot keeps the engine's decimals as they are ("90.00"), not as shown.
    return None if value is None else str(value)


def default_params(round_: NominationRound) -> RankingParams:
    """The round's own ranking parameters."""
    return RankingParams(
        top=round_.top_n,
        cap_per_category=round_.cap_per_category,
        min_reviews=round_.min_reviews,
        normalise=round_.normalise,
    )


def params_from(
    top: int | None, cap_per_category: int | None, min_reviews: int | None, normalise: bool
) -> RankingParams:
    """Ranking parameters from the admin's form; NominationError when out of range."""
    try:
        return RankingParams(
            top=top or 0,
            cap_per_category=cap_per_category or None,
            min_reviews=min_reviews or 0,
            normalise=bool(normalise),
        )
    except ValueError:
        raise NominationError(
            _("排名参数无效：表彰名额、每类名额上限和最少有效评审数都至少为 1")
        ) from None


def params_form_data(params: RankingParams) -> dict[str, object]:
    return {
        "top": params.top,
        "cap_per_category": params.cap_per_category,
        "min_reviews": params.min_reviews,
        "normalise": params.normalise,
    }


def run_ranking(
    round_: NominationRound, actor: User, params: RankingParams | None = None
) -> RankingRun:
    """Rank the round's submitted reviews with ``scoring.nomination_ranking.rank_nominations`` and
    store the run as a snapshot with its parameters (default: the round's) and inputs."""
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        params = params or default_params(round_)
        nominations = {
            str(n.id): str(n.category_id)
            for n in active_nominations(round_).order_by(Nomination.id)
        }
        rows = (
            round_sheets(round_)
            .select(
                ReviewSheet.nomination, Nomination.category, ReviewSheet.reviewer, ReviewSheet.total
            )
            .where(
                ReviewSheet.status == ReviewSheetState.SUBMITTED,
                Nomination.status == NominationState.SUBMITTED,
            )
            .order_by(ReviewSheet.nomination, ReviewSheet.reviewer)
            .tuples()
        )
        reviews = [Review(str(n), str(c), str(r), Decimal(t)) for n, c, r, t in rows]
        if not reviews:
            raise NominationError(_("还没有已提交的评分，不能排名"))
        ranked = rank_nominations(reviews, params, nominations=nominations)
        number = (
            RankingRun.select(fn.MAX(RankingRun.number)).where(RankingRun.round == round_).scalar()
            or 0
        ) + 1
        run = RankingRun.create(
            round=round_,
            number=number,
            run_by=actor.id,
            params=json.dumps(_params_to_json(params)),
            reviews=json.dumps(
                [
                    {
                        "nomination": r.nomination,
                        "category": r.category,
                        "reviewer": r.reviewer,
                        "total": str(r.total),
                    }
                    for r in reviews
                ]
            ),
            results=json.dumps(
                [
                    {
                        "nomination": r.nomination,
                        "category": r.category,
                        "score": _exact(r.score),
                        "raw_score": _exact(r.raw_score),
                        "median": _exact(r.median),
                        "reviews": r.reviews,
                        "rank": r.rank,
                        "selected": r.selected,
                        "flags": list(r.flags),
                        "totals": [str(t) for t in r.totals],
                    }
                    for r in ranked
                ]
            ),
        )
        audit.record(
            "nomination.rank",
            "ranking_run",
            run.id,
            after={
                "round": round_.id,
                "number": number,
                "params": _params_to_json(params),
                "reviews": len(reviews),
                "selected": [r.nomination for r in ranked if r.selected],
                "undecided": [r.nomination for r in ranked if r.selected is None],
            },
            actor=actor,
        )
    return run


def decisions(run: RankingRun) -> dict[str, PanelDecision]:
    """The panel's decisions in this run, keyed by nomination id as text (like the results)."""
    return {str(d.nomination_id): d for d in PanelDecision.select().where(PanelDecision.run == run)}


def _require_open_run(run: RankingRun) -> None:
    require_not_confirmed(run.round)
    latest = latest_run(run.round)
    if latest is None or latest.id != run.id:
        raise NominationError(_("这不是最新的排名结果，请在最新一次排名上操作"))


def record_decision(
    run: RankingRun, nomination_id: int, selected: bool, note: str, actor: User
) -> None:
    """Record the panel's decision (评审会决定) for a nominee the run left undecided
    (``selected: null``, a tie across the cut line); the note records the vote."""
    note = note.strip()
    if not note:
        raise NominationError(_("请填写评审会表决情况"))
    with database.atomic():
        locked_round(run.round)
        _require_open_run(run)
        line = next((r for r in run_results(run) if r.nomination == str(nomination_id)), None)
        if line is None or line.selected is not None:
            raise NominationError(_("只有并列于名额线、待评审会决定的提名需要记录决定"))
        old = PanelDecision.get_or_none(
            PanelDecision.run == run, PanelDecision.nomination == nomination_id
        )
        before = None if old is None else {"selected": old.selected, "note": old.note}
        if old is not None:
            old.delete_instance()
        PanelDecision.create(
            run=run, nomination=nomination_id, selected=selected, note=note, decided_by=actor.id
        )
        audit.record(
            "nomination.panel_decision",
            "ranking_run",
            run.id,
            before=before,
            after={"nomination": nomination_id, "selected": selected, "note": note},
            actor=actor,
        )


def final_selection(
    run: RankingRun,
    results: list[RankedNominee] | None = None,
    decided: dict[str, PanelDecision] | None = None,
) -> dict[str, bool | None]:
    """Each nominee's place on the list: the run's ``selected``, with the panel's decisions
    filled in for the undecided. ``results`` and ``decided`` save re-reading them."""
    decided = decisions(run) if decided is None else decided
    return {
        r.nomination: (
            decided[r.nomination].selected
            if r.selected is None and r.nomination in decided
            else r.selected
        )
        for r in (run_results(run) if results is None else results)
    }


def decision_problems(
    run: RankingRun,
    results: list[RankedNominee] | None = None,
    decided: dict[str, PanelDecision] | None = None,
) -> list[str]:
    """Why the run cannot be confirmed yet: undecided nominees, or panel decisions that
    leave a place empty or go past the number of places or a category's cap."""
    params = run_params(run)
    results = run_results(run) if results is None else results
    decided = decisions(run) if decided is None else decided
    chosen = final_selection(run, results, decided)
    names = dict(
        Nomination.select(Nomination.id, Nomination.nominee_name)
        .where(Nomination.id.in_([int(r.nomination) for r in results] or [0]))
        .tuples()
    )

    def name(nid: str) -> str:
        return names.get(int(nid), nid)

    pending = [r.nomination for r in results if chosen[r.nomination] is None]
    if pending:
        return [
            _("以下提名并列于名额线，待评审会决定：%(n)s", n="、".join(name(n) for n in pending))
        ]
    problems = []
    on_list = [r for r in results if chosen[r.nomination]]
    per_category = Counter(r.category for r in on_list)
    if len(on_list) > params.top:
        problems.append(_("入选 %(n)s 个，超过表彰名额 %(top)s 个", n=len(on_list), top=params.top))
    cap = params.cap_per_category
    if cap is not None and any(count > cap for count in per_category.values()):
        problems.append(_("有类别的入选数超过每类名额上限 %(cap)s", cap=cap))
    category_of = {r.nomination: r.category for r in results}
    for nid, decision in decided.items():
        if decision.selected:
            continue
        # A nominee the panel left out while a place it could take is still free.
        room_left = len(on_list) < params.top and (
            cap is None or per_category[category_of[nid]] < cap
        )
        if room_left:
            problems.append(_("“%(n)s”未入选，但名额尚有空余，评审会决定应补足名额", n=name(nid)))
    return problems


def confirm_run(run: RankingRun, actor: User) -> None:
    """Confirm the run as the award list (确认表彰名单); audited, and final for the round.

    Refuses an older run, a run with panel decisions missing or inconsistent, and a run
    made before the last submitted review (rank again first)."""
    with database.atomic():
        round_ = locked_round(run.round)
        _require_open_run(run)
        newest = (
            round_sheets(round_)
            .where(ReviewSheet.status == ReviewSheetState.SUBMITTED)
            .order_by(ReviewSheet.submitted_at.desc())
            .first()
        )
        if newest is not None and newest.submitted_at > run.run_at:
            raise NominationError(_("排名之后又有评分提交，请重新排名后再确认"))
        problems = decision_problems(run)
        if problems:
            raise NominationError(problems[0], problems)
        chosen = final_selection(run)
        awardees = [r.nomination for r in run_results(run) if chosen[r.nomination]]
        run.confirmed_at = utcnow()
        run.confirmed_by = actor.id
        run.save()
        audit.record(
            "nomination.confirm",
            "nomination_round",
            round_.id,
            after={"run": run.number, "run_id": run.id, "awardees": awardees},
            actor=actor,
        )
