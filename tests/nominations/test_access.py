"""Who may open what in a nomination round (十类典型评选): conflicts of interest (回避) on
every route, reporters confined to their own unit, blind review, and the nomination window.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from assess.evidence.models import Evidence
from assess.nominations import review_sheets, rounds
from assess.nominations.models import (
    CriterionScore,
    Nomination,
    NominationRound,
    ReviewerConflict,
    ReviewSheet,
)
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    nomination_form,
    open_round,
    png_bytes,
    review_form,
    user,
)


@dataclass
class World:
    round: NominationRound
    jinshui: Nomination  # nominated by 金水区; expert1 works for 金水区
    others: list[Nomination]
    evidence: Evidence


@pytest.fixture
def world(app, db, as_user) -> World:
    """An open round with a 金水区 nomination carrying one evidence file and six more from
    other units; the window then closes and reviewers are assigned automatically."""
    round_ = open_round()
    jinshui = nominate(round_, "r-410105", 0, "金水区")
    reporter = as_user("r-410105")
    response = reporter.post(
        f"/nominations/{jinshui.id}/evidence",
        data={"files": [(io.BytesIO(png_bytes()), "照片.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    evidence = Evidence.get(Evidence.nomination_id == jinshui.id)
    codes = ("410102", "410103", "410104", "410122", "dept-gaj", "dept-mzj")
    others = [nominate(round_, f"r-{code}", i + 1, f"提名{i}") for i, code in enumerate(codes)]
    close_window(round_)
    review_sheets.auto_assign(NominationRound.get_by_id(round_.id), user("admin"))
    return World(NominationRound.get_by_id(round_.id), jinshui, others, evidence)


def _nomination_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("nominations.") and "nomination_id" in rule.arguments:
            yield rule


def _url(rule, **values) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values.get(name, 1)), url)
    return url


def _walk(app, client, w: World, nomination: Nomination):
    """(endpoint, method, status) for every route that names a nomination."""
    ids = {"nomination_id": nomination.id, "evidence_id": w.evidence.id, "round_id": w.round.id}
    for rule in _nomination_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule, **ids), method=method, data={"reason": "x"})
            yield rule.endpoint, method, response.status_code


def test_a_reviewer_from_the_nominating_unit_is_refused_on_every_route(app, world, as_user):
    expert = user("expert1")
    held = ReviewSheet.select().where(
        ReviewSheet.reviewer == expert.id, ReviewSheet.nomination == world.jinshui.id
    )
    assert not held.exists()
    client = as_user("expert1")
    seen = set()
    for endpoint, method, status in _walk(app, client, world, world.jinshui):
        seen.add(endpoint)
        if endpoint == "nominations.declare_conflict":
            assert status == 302  # refused with a message: own-unit conflicts are automatic
        else:
            assert status in (403, 404), f"{method} {endpoint}: {status}"
    assert {"nominations.review", "nominations.download_evidence"} <= seen
    assert not ReviewerConflict.select().exists()
    assert client.get(f"/nominations/rounds/{world.round.id}/reviews").status_code == 200
    assert "金水区</td>" not in client.get(f"/nominations/rounds/{world.round.id}/reviews").text


def test_a_sheet_left_over_after_a_unit_change_still_cannot_be_opened(world, as_user, db):
    # As if expert1 had been assigned and then moved to 金水区: the rule is checked on use.
    sheet = ReviewSheet.create(nomination=world.jinshui, reviewer=user("expert1"))
    client = as_user("expert1")
    url = f"/nominations/{world.jinshui.id}/review"
    assert client.get(url).status_code == 404
    criteria = rounds.criteria(world.round)
    assert client.post(url, data=review_form(criteria, Decimal(90))).status_code == 404
    assert ReviewSheet.get_by_id(sheet.id).status == "assigned"
    assert not CriterionScore.select().where(CriterionScore.sheet == sheet).exists()
    evidence = f"/nominations/{world.jinshui.id}/evidence/{world.evidence.id}"
    assert client.get(evidence).status_code == 404


def test_the_admin_cannot_assign_a_reviewer_to_its_own_units_nomination(world, as_user):
    admin = as_user("admin")
    current = [s.reviewer_id for s in world.jinshui.sheets]
    response = admin.post(
        f"/nominations/{world.jinshui.id}/reviewers",
        data={"reviewers": [*current[1:], user("expert1").id]},
        follow_redirects=True,
    )
    assert "来自提名单位" in response.text
    # The message names the person and the nominee, never their row numbers.
    expert = user("expert1")
    assert f"评审人 {expert.label} 来自提名单位" in response.text
    assert f"提名 {world.jinshui.nominee_name}：" in response.text
    assert f"评审人 {expert.id} " not in response.text
    assert sorted(s.reviewer_id for s in world.jinshui.sheets) == sorted(current)
    # A hand adjustment that keeps the rules is accepted.
    spare = next(
        u.id for u in rounds.panel(world.round) if u.id not in current and u.username != "expert1"
    )
    response = admin.post(
        f"/nominations/{world.jinshui.id}/reviewers", data={"reviewers": [*current[1:], spare]}
    )
    assert response.status_code == 302
    assert sorted(s.reviewer_id for s in world.jinshui.sheets) == sorted([*current[1:], spare])
    assert (
        ReviewSheet.get(
            ReviewSheet.reviewer == spare, ReviewSheet.nomination == world.jinshui
        ).method
        == "manual"
    )


def test_a_declared_conflict_withdraws_the_sheet_and_is_respected(world, as_user):
    sheet = world.others[0].sheets.first()
    reviewer = sheet.reviewer
    client = as_user(reviewer.username)
    url = f"/nominations/{world.others[0].id}/review"
    assert client.get(url).status_code == 200
    assert (
        client.post(f"/nominations/{world.others[0].id}/conflict", data={"reason": ""}).status_code
        == 302
    )
    assert not ReviewerConflict.select().exists()  # a reason is required
    client.post(f"/nominations/{world.others[0].id}/conflict", data={"reason": "曾在该单位任职"})
    assert ReviewerConflict.get().reviewer_id == reviewer.id
    assert ReviewSheet.get_or_none(ReviewSheet.id == sheet.id) is None
    assert client.get(url).status_code == 404
    assert client.post(url, data={"action": "save"}).status_code == 404
    listing = client.get(f"/nominations/rounds/{world.round.id}/conflicts").text
    assert "曾在该单位任职" in listing

    admin = as_user("admin")
    admin.post(f"/nominations/rounds/{world.round.id}/assign", data={"mode": "fill"})
    reviewers = {s.reviewer_id for s in world.others[0].sheets}
    assert len(reviewers) == 5 and reviewer.id not in reviewers
    # Re-running the whole assignment respects the declaration too.
    admin.post(f"/nominations/rounds/{world.round.id}/assign")
    assert reviewer.id not in {s.reviewer_id for s in world.others[0].sheets}


def test_a_reviewer_not_assigned_gets_404(world, as_user):
    assigned = {s.reviewer_id for s in world.others[1].sheets}
    outsider = next(u for u in rounds.panel(world.round) if u.id not in assigned)
    client = as_user(outsider.username)
    assert client.get(f"/nominations/{world.others[1].id}/review").status_code == 404
    assert client.get(f"/nominations/{world.others[1].id}").status_code == 404


def test_a_reporter_of_another_unit_gets_404_on_every_route(app, world, as_user):
    client = as_user("r-410102")  # 中原区
    for endpoint, method, status in _walk(app, client, world, world.jinshui):
        assert status in (403, 404), f"{method} {endpoint}: {status}"
    listing = client.get(f"/nominations/rounds/{world.round.id}/nominations").text
    assert "金水区" not in listing.split("<table")[1] and "提名0" in listing
    assert Evidence.get_by_id(world.evidence.id)  # nothing was deleted
    # The owner still reads its own nomination and file.
    owner = as_user("r-410105")
    assert owner.get(f"/nominations/{world.jinshui.id}").status_code == 200
    file = owner.get(f"/nominations/{world.jinshui.id}/evidence/{world.evidence.id}")
    assert file.status_code == 200 and file.data == png_bytes()


def test_viewers_open_no_nomination(world, as_user):
    client = as_user("viewer")
    assert client.get(f"/nominations/{world.jinshui.id}").status_code == 404
    assert client.get(f"/nominations/rounds/{world.round.id}/nominations").status_code == 403


def test_the_shared_evidence_route_respects_conflicts(world, as_user):
    assert as_user("expert1").get(f"/evidence/{world.evidence.id}").status_code == 404


def test_review_is_blind_until_the_reviewer_submits(world, as_user):
    nomination = world.others[2]
    sheets = list(nomination.sheets.order_by(ReviewSheet.id))
    criteria = rounds.criteria(world.round)
    totals = ["61.5", "62.5", "63.5", "64.5"]
    for sheet, total in zip(sheets[:4], totals, strict=True):
        reply = as_user(sheet.reviewer.username).post(
            f"/nominations/{nomination.id}/review", data=review_form(criteria, Decimal(total))
        )
        assert reply.status_code == 302
    last = as_user(sheets[4].reviewer.username)
    url = f"/nominations/{nomination.id}/review"
    before = last.get(url).text
    assert not any(t in before for t in totals)
    assert "其他评审专家的总分" not in before and "62.5" not in before
    # Saving a draft does not reveal them either; nor do the admin's pages.
    last.post(url, data=review_form(criteria, Decimal(80), action="save"))
    assert not any(t in last.get(url).text for t in totals)
    assert last.get(f"/nominations/{nomination.id}/record").status_code == 403
    assert last.get(f"/nominations/rounds/{world.round.id}/ranking").status_code == 403
    assert last.get(f"/nominations/rounds/{world.round.id}/assignments").status_code == 403
    last.post(url, data=review_form(criteria, Decimal(80)))
    after = last.get(url).text
    assert all(t in after for t in totals) and "其他评审专家的总分" in after
    # A submitted sheet is final.
    last.post(url, data=review_form(criteria, Decimal(95)))
    assert ReviewSheet.get_by_id(sheets[4].id).total == Decimal(80)


def test_scores_are_checked_against_the_sheet(world, as_user):
    sheet = world.others[3].sheets.first()
    client = as_user(sheet.reviewer.username)
    criteria = rounds.criteria(world.round)
    url = f"/nominations/{world.others[3].id}/review"
    data = review_form(criteria, Decimal(90))
    data[f"points_{criteria[0].id}"] = str(criteria[0].weight + 1)
    assert "得分应在 0–30 之间" in client.post(url, data=data, follow_redirects=True).text
    data = review_form(criteria, Decimal(90))
    data[f"comment_{criteria[1].id}"] = ""
    assert "须填写得分和评语" in client.post(url, data=data, follow_redirects=True).text
    data = review_form(criteria, Decimal(90))
    data[f"points_{criteria[2].id}"] = "十"
    assert "不是数字" in client.post(url, data=data, follow_redirects=True).text
    assert ReviewSheet.get_by_id(sheet.id).status == "assigned"


def test_nominations_only_inside_the_window(app, db, as_user):
    today = rounds.today()
    future = open_round(
        year=2040, window_opens=today + timedelta(days=3), window_closes=today + timedelta(days=9)
    )
    client = as_user("r-410105")
    new = f"/nominations/rounds/{future.id}/nominations/new"
    assert client.get(new).status_code == 302
    assert client.post(new, data=nomination_form(future, 0, "早到的提名")).status_code == 302
    assert not Nomination.select().where(Nomination.round == future).exists()
    with pytest.raises(rounds.NominationError, match="不在提名时间内"):
        nominate(future, "r-410105")

    current = open_round(year=2041)
    new = f"/nominations/rounds/{current.id}/nominations/new"
    assert client.post(new, data=nomination_form(current, 5, "测试个人甲")).status_code == 302
    nomination = Nomination.get(Nomination.nominee_name == "测试个人甲")
    close_window(current)
    assert client.post(new, data=nomination_form(current, 0, "迟到的提名")).status_code == 302
    assert Nomination.select().where(Nomination.round == current).count() == 1
    edit = client.post(
        f"/nominations/{nomination.id}/edit",
        data=dict(nomination_form(current, 5, "测试个人甲"), deeds="改过的事迹"),
    )
    assert edit.status_code == 302
    assert Nomination.get_by_id(nomination.id).deeds != "改过的事迹"
    client.post(f"/nominations/{nomination.id}/withdraw")
    assert Nomination.get_by_id(nomination.id).status == "submitted"
    client.post(
        f"/nominations/{nomination.id}/evidence",
        data={"files": [(io.BytesIO(png_bytes()), "迟交.png")]},
        content_type="multipart/form-data",
    )
    assert not Evidence.select().where(Evidence.nomination_id == nomination.id).exists()


def test_a_reporter_edits_and_withdraws_inside_the_window(app, db, as_user):
    round_ = open_round(year=2042)
    client = as_user("r-410105")
    new = f"/nominations/rounds/{round_.id}/nominations/new"
    form = nomination_form(round_, 5, "测试个人乙")
    form["work_unit"] = ""
    assert "推荐个人须填写工作单位和职务" in client.post(new, data=form, follow_redirects=True).text
    client.post(new, data=nomination_form(round_, 5, "测试个人乙"))
    nomination = Nomination.get(Nomination.nominee_name == "测试个人乙")
    client.post(
        f"/nominations/{nomination.id}/edit",
        data=dict(nomination_form(round_, 5, "测试个人乙"), deeds="新的事迹材料"),
    )
    assert Nomination.get_by_id(nomination.id).deeds == "新的事迹材料"
    client.post(
        f"/nominations/{nomination.id}/evidence",
        data={"files": [(io.BytesIO(b"not really a pdf"), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert not Evidence.select().where(Evidence.nomination_id == nomination.id).exists()
    client.post(f"/nominations/{nomination.id}/withdraw")
    assert Nomination.get_by_id(nomination.id).status == "withdrawn"
    close_window(round_)
    with pytest.raises(rounds.NominationError, match="没有有效提名"):
        review_sheets.auto_assign(NominationRound.get_by_id(round_.id), user("admin"))


def test_assignment_waits_for_the_window_to_close(app, db, demo):
    round_ = open_round(year=2043)
    nominate(round_, "r-410105")
    with pytest.raises(rounds.NominationError, match="提名截止"):
        review_sheets.auto_assign(round_, user("admin"))
