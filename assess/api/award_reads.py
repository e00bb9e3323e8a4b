"""What the API reads of the nomination rounds (十类典型评选): the rounds and their
confirmed award lists (表彰名单), as the nomination pages show them."""

from __future__ import annotations

from assess.api.reads import Window, utc
from assess.core.policy import can, reaches_round
from assess.nominations import pages
from assess.nominations.models import NominationRound


def round_row(line: pages.RoundLine) -> dict:
    r = line.round
    return {
        "id": r.id,
        "year": r.year,
        "title": r.title,
        "window_opens": r.window_opens,
        "window_closes": r.window_closes,
        "top_n": r.top_n,
        "phase": str(line.phase),
        "nominations": line.nominations,
    }


def rounds(user, phase: str | None, window: Window) -> dict:
    """Every round newest first (``pages.round_lines``, the rounds page's), in ``phase`` if
    given, with its active nominations: every unit's for whoever reads every unit
    (``nominations.every_unit``), a reporter its own unit's; one page of them."""
    own_unit = None if can(user, "nominations.every_unit") else user.unit_id
    lines = pages.round_lines(user, own_unit)
    rows = [round_row(line) for line in lines if phase is None or line.phase == phase]
    return window.cut(rows)


def readable_round(user, round_id: int) -> NominationRound | None:
    """The round, or None when there is none or ``user`` does not reach it
    (``reaches_round``: a county office reads its own rounds, not the city's)."""
    round_ = NominationRound.get_or_none(NominationRound.id == round_id)
    return round_ if round_ is not None and reaches_round(user, round_) else None


def awards(user, round_: NominationRound, window: Window) -> dict | None:
    """The round's confirmed award list (``pages.award_list``) by category in the round's
    order and by place within each, one page of awardees; None until a ranking run is
    confirmed. Rank and score are given to whoever may export the list with its scores
    (``nominations.export``), as on the award page; null for everyone else."""
    award = pages.award_list(round_)
    if award is None:
        return None
    scores = can(user, "nominations.export")
    rows = [
        {
            "category_id": category.id,
            "category_name": category.name,
            "place": a.place,
            "nomination_id": a.nomination.id,
            "nominee_name": a.nomination.nominee_name,
            "nominee_kind": a.nomination.nominee_kind,
            "work_unit": a.nomination.work_unit,
            "position": a.nomination.position,
            "unit_id": a.nomination.unit.id,
            "unit_name": a.nomination.unit.name,
            "rank": a.rank if scores else None,
            "score": None if not scores or a.line.score is None else str(a.line.score),
        }
        for category, awardees in award.categories
        for a in awardees
    ]
    page = window.cut(rows)
    page.update(
        round_id=round_.id,
        round_title=round_.title,
        year=round_.year,
        confirmed_at=utc(award.run.confirmed_at),
    )
    return page
