"""The score sheets on a reviewer's home (待评审的评分表): its own unsubmitted sheets per
round, never another reviewer's."""

from __future__ import annotations

from assess.accounts.models import User
from assess.core.enums import ReviewSheetState
from assess.nominations import review_sheets, rounds
from assess.nominations.models import NominationRound, ReviewSheet
from assess.web import todos
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    open_round,
    user,
)


def _assigned_round() -> NominationRound:
    round_ = open_round()
    for i, code in enumerate(("410105", "410102", "410103", "dept-gaj")):
        nominate(round_, f"r-{code}", i, f"提名{i}")
    close_window(round_)
    round_ = NominationRound.get_by_id(round_.id)
    review_sheets.auto_assign(round_, user("admin"))
    return round_


def _open_sheets(round_, reviewer: User) -> int:
    return (
        rounds.round_sheets(round_)
        .where(
            ReviewSheet.reviewer == reviewer.id,
            ReviewSheet.status != ReviewSheetState.SUBMITTED,
        )
        .count()
    )


def test_a_reviewer_sees_its_own_open_sheets_only(app, demo, db, as_user):
    round_ = _assigned_round()
    holders = [
        User.get_by_id(r)
        for (r,) in rounds.round_sheets(round_).select(ReviewSheet.reviewer).distinct().tuples()
    ]
    for reviewer in holders:
        mine = [t for t in todos.review_sheet_todos(reviewer) if t.round.id == round_.id]
        assert [t.open_sheets for t in mine] == [_open_sheets(round_, reviewer)]
    # one of them submits a sheet: only its own count falls
    sheet = rounds.round_sheets(round_).where(ReviewSheet.reviewer == holders[0].id).first()
    ReviewSheet.update(status=ReviewSheetState.SUBMITTED).where(
        ReviewSheet.id == sheet.id
    ).execute()
    after = {t.round.id: t.open_sheets for t in todos.review_sheet_todos(holders[0])}
    assert after.get(round_.id, 0) == _open_sheets(round_, holders[0])
    others = {t.round.id: t.open_sheets for t in todos.review_sheet_todos(holders[1])}
    assert others[round_.id] == _open_sheets(round_, holders[1])
    # a reporter has no sheets, and its home has no such panel
    assert todos.review_sheet_todos(user("r-410105")) == []
    page = as_user(holders[1].username).get("/").get_data(as_text=True)
    assert "待评审的评分表" in page and f"/nominations/rounds/{round_.id}/reviews" in page
    assert "待评审的评分表" not in as_user("r-410105").get("/").get_data(as_text=True)
