"""What a nomination must be (issue 12.19): a nominee that fits its category, one
nomination per nominee in a round's category, a telephone number that can be dialled; a
panel at least as large as the reviewers each nomination needs; 表彰名额 0 told so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assess.nominations import entries, rounds
from assess.nominations.models import Nomination, NominationRound
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    nominee,
    open_round,
    user,
)

# Category 5 of the default round is 优秀外来务工人员 (persons), category 2 先进用工单位.
PERSONS, EMPLOYERS = 5, 2


def test_a_company_is_not_a_migrant_worker(app, db, demo):
    round_ = open_round()
    assert rounds.categories(round_)[PERSONS].name == "优秀外来务工人员"
    as_unit = nominee(round_, PERSONS, "某某建筑公司", nominee_kind="unit")
    with pytest.raises(entries.NominationError, match="只推荐个人"):
        entries.create_nomination(round_, as_unit, user("r-410105"))
    as_person = nominee(
        round_, EMPLOYERS, "张三", nominee_kind="person", work_unit="甲", position="乙"
    )
    with pytest.raises(entries.NominationError, match="只推荐单位"):
        entries.create_nomination(round_, as_person, user("r-410105"))
    assert not Nomination.select().where(Nomination.round == round_.id).exists()


def test_the_same_nominee_twice_in_a_category_is_refused(app, db, demo):
    round_ = open_round()
    first = nominate(round_, "r-410105", EMPLOYERS, "郑州某制造有限公司")
    # The same unit again, another county, and the same name typed with spaces and
    # full-width letters: all one nominee.
    for reporter, name in (
        ("r-410105", "郑州某制造有限公司"),
        ("r-410102", "郑州某制造 有限公司"),
    ):
        with pytest.raises(entries.NominationError, match="不能重复提名"):
            nominate(round_, reporter, EMPLOYERS, name)
    # In another category it is another nomination.
    nominate(round_, "r-410102", 3, "郑州某制造有限公司")
    # Two people may share a name: told apart by the work unit.
    nominate(round_, "r-410105", PERSONS, "张伟")
    with pytest.raises(entries.NominationError, match="不能重复提名"):
        nominate(round_, "r-410102", PERSONS, "张伟")
    other = nominee(round_, PERSONS, "张伟", work_unit="另一家公司")
    entries.create_nomination(round_, other, user("r-410102"))
    # Renaming a nomination onto another is refused too; a withdrawn one no longer counts.
    second = nominate(round_, "r-410102", EMPLOYERS, "另一公司")
    with pytest.raises(entries.NominationError, match="不能重复提名"):
        entries.update_nomination(
            second, nominee(round_, EMPLOYERS, "郑州某制造有限公司"), user("r-410102")
        )
    entries.withdraw_nomination(first, user("r-410105"))
    entries.update_nomination(
        second, nominee(round_, EMPLOYERS, "郑州某制造有限公司"), user("r-410102")
    )
    assert Nomination.get_by_id(second.id).nominee_name == "郑州某制造有限公司"


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "0371-60000000",
        "037160000000",
        "010-12345678",
        "0371-6000000转123",
        "400-123-4567",
        "０３７１－６００００００",
    ],
)
def test_phone_numbers_that_can_be_dialled(phone):
    assert entries.phone_number_valid(phone)


@pytest.mark.parametrize(
    "phone", ["123", "电话", "1381234567", "23812345678", "0371-123", "60000000", "13812345678x"]
)
def test_phone_numbers_that_cannot(phone):
    assert not entries.phone_number_valid(phone)


def test_a_bad_phone_number_is_refused_with_the_form_kept(app, db, as_user):
    round_ = open_round()
    reporter = as_user("r-410105")
    data = nominee(round_, EMPLOYERS, "某公司")
    form = {
        "category": str(data.category_id),
        "nominee_kind": data.nominee_kind,
        "nominee_name": data.nominee_name,
        "contact_person": "王五",
        "contact_phone": "12345",
        "deeds": "事迹",
    }
    response = reporter.post(f"/nominations/rounds/{round_.id}/nominations/new", data=form)
    assert "联系电话格式不正确" in response.text
    assert "某公司" in response.text  # what was typed is kept
    assert not Nomination.select().where(Nomination.round == round_.id).exists()


def test_the_panel_cannot_be_smaller_than_the_reviewers_each_nomination_needs(app, db, as_user):
    round_ = open_round(reviewers_per_nomination=5)
    admin = as_user("admin")
    four = [user(name).id for name in ("expert1", "expert2", "expert3", "expert4")]
    response = admin.post(
        f"/nominations/rounds/{round_.id}/panel", data={"reviewers": four}, follow_redirects=True
    )
    assert "评审专家组只有 4 人，少于每个提名的评审人数 5 人" in response.text
    assert len(rounds.panel(round_)) > 4
    five = [*four, user("expert5").id]
    rounds.set_panel(round_, five, user("admin"))
    settings = rounds.RoundSettings(
        2030, "", round_.window_opens, round_.window_closes, reviewers_per_nomination=6
    )
    with pytest.raises(rounds.NominationError, match="评审专家组只有 5 人"):
        rounds.update_round(round_, settings, user("admin"))
    assert NominationRound.get_by_id(round_.id).reviewers_per_nomination == 5


def test_zero_award_places_is_told_it_is_too_few(app, db, as_user):
    admin = as_user("admin")
    today = rounds.today()
    form = {
        "year": "2032",
        "window_opens": today.isoformat(),
        "window_closes": (today + timedelta(days=9)).isoformat(),
        "top_n": "0",
        "reviewers_per_nomination": "5",
        "min_reviews": "5",
    }
    response = admin.post("/nominations/rounds/new", data=form)
    assert "表彰名额应在 1 到 10000 之间" in response.text
    assert not NominationRound.select().where(NominationRound.year == 2032).exists()

    round_ = open_round()
    nominate(round_, "r-410105")
    close_window(round_)
    ranking = admin.post(
        f"/nominations/rounds/{round_.id}/ranking", data={"top": "0", "min_reviews": "5"}
    )
    assert "表彰名额应在 1 到 10000 之间" in ranking.text
