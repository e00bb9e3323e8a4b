"""Nomination rounds run at every level (各级评选): unit A's office (金水区, an admin scoped
to A's subtree) starts a round of its own, which takes nominations from the units below
金水区 only, is reviewed by inspectors who reach it, is issued by 金水区's office, and is
told to nobody beyond its subtree: 中牟县's office (another county) gets 404 on every page
of it, as A's office does on the city's round (``test_authz_matrix``)."""

from __future__ import annotations

import re

import pytest

from assess.accounts import users
from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import Role
from assess.core.policy import reaches_round
from assess.demo.units import DEMO_PASSWORD
from assess.nominations import entries, pages, rounds
from assess.nominations.models import NominationRound
from assess.nominations.rounds import NominationError
from assess.units.models import Unit
from tests.conftest import login
from tests.nomination_helpers import nominee

A_OFFICE = "金水区流动人口服务管理工作领导小组办公室"
A_TOWNSHIP = "410105-001"


def _signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def a_round(app, world, clients) -> int:
    """A round started on the page by A's office, with a reporter of one of its townships
    and an inspector scoped to another county, 中牟县 (410122)."""
    response = clients("office").post(
        "/nominations/rounds/new",
        data={
            "year": 2026,
            "title": "",
            "window_opens": "2026-01-01",
            "window_closes": "2099-12-31",
            "top_n": 10,
            "reviewers_per_nomination": 1,
            "min_reviews": 1,
        },
    )
    assert response.status_code == 302, response.data.decode()[:500]
    round_id = int(re.search(r"/rounds/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        database.connect(reuse_if_open=True)
        users.create_user(
            f"r-{A_TOWNSHIP}",
            DEMO_PASSWORD,
            Role.REPORTER,
            Unit.by_code(A_TOWNSHIP),
            display_name="经八路街道填报员",
        )
        users.create_user(
            "inspector-410122",
            DEMO_PASSWORD,
            Role.INSPECTOR,
            display_name="中牟县督查组",
            scope_unit=Unit.by_code("410122"),
        )
        database.close()
    return round_id


def test_an_office_starts_a_round_of_its_own_level(app, a_round, clients):
    with app.app_context():
        database.connect(reuse_if_open=True)
        round_ = NominationRound.get_by_id(a_round)
        owner, title = round_.owner.code, round_.title
        issuers = rounds.award_issuers(round_)
        city_round = NominationRound.get(NominationRound.owner.is_null())
        city_issuers = rounds.award_issuers(city_round)
        database.close()
    assert owner == "410105"
    assert title == "2026年度金水区培育十类典型促进流动人口社会融合评选"
    assert issuers == (A_OFFICE,)
    assert city_issuers == rounds.AWARD_ISSUERS  # the city's round: the two offices jointly
    # A's office lists its own round and not the city's; the city office lists both.
    office_index = clients("office").get("/nominations/").data.decode()
    city_index = clients("admin").get("/nominations/").data.decode()
    assert title in office_index and city_round.title not in office_index
    assert title in city_index and city_round.title in city_index
    assert clients("office").get(f"/nominations/rounds/{a_round}").status_code == 200


def test_another_county_office_is_told_nothing_of_it(app, a_round, clients):
    other = _signed_in(app, "office-410122")
    assert "金水区培育十类典型" not in other.get("/nominations/").data.decode()
    for path in ("", "/settings", "/categories", "/panel", "/ranking", "/awards", "/nominations"):
        assert other.get(f"/nominations/rounds/{a_round}{path}").status_code == 404, path
    # The city office reaches every level's round.
    assert clients("admin").get(f"/nominations/rounds/{a_round}/panel").status_code == 200


def test_the_round_takes_nominations_from_below_its_owner_only(app, a_round, clients):
    township = _signed_in(app, f"r-{A_TOWNSHIP}")
    assert township.get(f"/nominations/rounds/{a_round}/nominations/new").status_code == 200
    # 金水区's own reporter is the owner, not below it; 中原区's is another county.
    for role in ("reporter", "other"):
        page = clients(role).get(f"/nominations/rounds/{a_round}/nominations/new")
        assert page.status_code == 404, role
    with app.app_context():
        database.connect(reuse_if_open=True)
        round_ = NominationRound.get_by_id(a_round)
        a_reporter = User.get(User.username == "r-410105")
        made = entries.create_nomination(
            round_, nominee(round_, 0, "经八路街道"), User.get(User.username == f"r-{A_TOWNSHIP}")
        )
        # The service refuses what a tampered request would send past the page.
        with pytest.raises(NominationError, match="提名范围"):
            entries.create_nomination(round_, nominee(round_, 1, "金水区"), a_reporter)
        listed = {line.round.id for line in pages.round_lines(a_reporter)}
        township_listed = {
            line.round.id
            for line in pages.round_lines(User.get(User.username == f"r-{A_TOWNSHIP}"))
        }
        database.close()
    assert made.unit_id is not None
    assert a_round not in listed
    assert a_round in township_listed  # and the city's round too
    assert len(township_listed) == 2


def test_the_panel_is_drawn_from_inspectors_who_reach_the_round(app, a_round):
    with app.app_context():
        database.connect(reuse_if_open=True)
        round_ = NominationRound.get_by_id(a_round)
        city_round = NominationRound.get(NominationRound.owner.is_null())
        candidates = {u.username for u in rounds.panel_candidates(round_)}
        city_candidates = {u.username for u in rounds.panel_candidates(city_round)}
        scoped = User.get(User.username == "inspector-410122")
        reach = (reaches_round(scoped, round_), reaches_round(scoped, city_round))
        with pytest.raises(NominationError):
            rounds.set_panel(round_, [scoped.id], User.get(User.username == "office-410105"))
        database.close()
    assert "inspector" in candidates  # the city's inspectors reach every level
    assert "inspector-410122" not in candidates
    assert "inspector-410122" not in city_candidates  # nor the city's round
    assert reach == (False, False)
