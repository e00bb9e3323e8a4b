"""The round's busiest pages run the same number of queries for 4 nominations as for 47."""

from __future__ import annotations

from decimal import Decimal

from assess.nominations import ranking_runs, review_sheets, rounds
from assess.nominations.models import NominationRound, ReviewSheet
from tests.helpers import count_queries
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    open_round,
    user,
)


def _small_round() -> NominationRound:
    round_ = open_round()
    for i, code in enumerate(("410102", "410104", "410106", "410108")):
        nominate(round_, f"r-{code}", i, f"提名{i}")
    close_window(round_)
    round_ = NominationRound.get_by_id(round_.id)
    review_sheets.auto_assign(round_, user("admin"))
    criteria = rounds.criteria(round_)
    for sheet in rounds.round_sheets(round_):
        entries = {c.id: (c.weight * Decimal("0.8"), "评语") for c in criteria}
        review_sheets.save_review(sheet, entries, True, sheet.reviewer)
    return round_


def _queries(client, url: str) -> int:
    client.get(url)  # warm up: the session's user, the first request's set-up
    with count_queries() as n:
        assert client.get(url).status_code == 200
    return n()


def test_pages_do_not_grow_with_the_round(app, db, as_user):
    large = NominationRound.get(NominationRound.year == 2013)
    small = _small_round()
    admin = as_user("admin")
    runs = {r.id: ranking_runs.run_ranking(r, user("admin")) for r in (small, large)}
    pages = (
        "/nominations/rounds/{id}",
        "/nominations/rounds/{id}/nominations",
        "/nominations/rounds/{id}/assignments",
        "/nominations/rounds/{id}/ranking/{run}",
    )
    for page in pages:
        counts = [_queries(admin, page.format(id=r.id, run=runs[r.id].id)) for r in (small, large)]
        assert counts[0] == counts[1], (page, counts)
    reviewer = as_user("expert4")
    counts = [_queries(reviewer, f"/nominations/rounds/{r.id}/reviews") for r in (small, large)]
    assert counts[0] == counts[1]
    assert ReviewSheet.select().count() > 200
