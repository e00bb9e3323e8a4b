"""Review sheets assigned (评审分配) tell each reviewer how many it was given, in the
assignment's transaction."""

from __future__ import annotations

import pytest

from assess.accounts.models import User
from assess.core.enums import NotificationKind
from assess.nominations import review_sheets, rounds
from assess.nominations.models import NominationRound, ReviewSheet
from assess.notifications.models import Notification
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    open_round,
    user,
)
from tests.notifications.helpers import texts_of, told


@pytest.fixture
def closed_round(app, demo, db) -> NominationRound:
    round_ = open_round()
    for i, code in enumerate(("410105", "410102", "410103", "dept-gaj")):
        nominate(round_, f"r-{code}", i, f"提名{i}")
    close_window(round_)
    Notification.delete().execute()  # what the demo's own round told its panel
    return NominationRound.get_by_id(round_.id)


def _sheets_of(round_, reviewer_id: int) -> int:
    return rounds.round_sheets(round_).where(ReviewSheet.reviewer == reviewer_id).count()


def test_assigning_reviewers_tells_each_reviewer_how_many_sheets(closed_round):
    review_sheets.auto_assign(closed_round, user("admin"))

    reviewers = {
        r for (r,) in rounds.round_sheets(closed_round).select(ReviewSheet.reviewer).tuples()
    }
    assert reviewers
    for reviewer_id in reviewers:
        (note,) = told(User.get_by_id(reviewer_id), NotificationKind.REVIEW_ASSIGNED)
        assert note.parameters == {
            "round": closed_round.title,
            "count": _sheets_of(closed_round, reviewer_id),
        }
        assert note.target_parts == ("nominations.my_reviews", {"round_id": closed_round.id})
        assert texts_of(User.get_by_id(reviewer_id)) == [
            f"{closed_round.title}：分配给您 {_sheets_of(closed_round, reviewer_id)} 份评分表，请评审打分"
        ]
    # nobody else: reporters, the office, panel members given nothing
    assert Notification.select().count() == len(reviewers)


def test_a_hand_adjustment_tells_only_the_reviewer_added(closed_round):
    review_sheets.auto_assign(closed_round, user("admin"))
    Notification.delete().execute()
    nomination = rounds.active_nominations(closed_round).first()
    current = [s.reviewer_id for s in nomination.sheets]
    candidates = [u.id for u in rounds.panel(closed_round)]
    newcomer = next(
        r
        for r in candidates
        if r not in current and User.get_by_id(r).unit_id != nomination.unit_id
    )
    review_sheets.set_reviewers(nomination, current[1:] + [newcomer], user("admin"))
    (note,) = Notification.select()
    assert note.user_id == newcomer and note.parameters["count"] == 1


def test_a_refused_assignment_tells_nobody(closed_round):
    review_sheets.auto_assign(closed_round, user("admin"))
    Notification.delete().execute()
    with pytest.raises(rounds.NominationError):
        review_sheets.fill_assignment(closed_round, user("admin"))  # every nomination is full
    assert Notification.select().count() == 0
