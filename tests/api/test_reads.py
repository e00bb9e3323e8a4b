"""The API's reads of indicator sets, self-reports and award lists (issue 18), checked
against the rows of the security world: what each token reads, what it is told nothing of."""

from __future__ import annotations

import pytest

from assess.core.db import database
from assess.cycles import lifecycle
from assess.cycles.models import Cycle, Submission
from assess.nominations import pages
from assess.nominations.models import NominationRound
from tests.api.test_api import _get, _issue
from tests.security.conftest import ROLE_USERS, world  # noqa: F401 (the fixture)


@pytest.fixture
def tokens(app, world):  # noqa: F811
    return {role: _issue(app, ROLE_USERS[role]).secret for role in ("admin", "reporter", "viewer")}


def _db(app, read):
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return read()
        finally:
            database.close()


def _is_problem_404(response) -> bool:
    return response.status_code == 404 and response.content_type == "application/problem+json"


# --- indicator sets --------------------------------------------------------------------------


def test_office_reads_every_cycles_set_and_its_indicators(app, client, world, tokens):  # noqa: F811
    admin = tokens["admin"]
    body = _get(client, "/api/v1/indicator-sets?per_page=100", admin).get_json()
    listed = {s["id"]: s for s in body["items"]}
    assert set(listed) == set(_db(app, lambda: [c.id for c in Cycle.select()]))
    assert body["total"] == len(listed)
    assert listed[world.draft_cycle]["frozen"] is False
    assert listed[world.published_cycle]["frozen"] is True
    drafts = _get(client, "/api/v1/indicator-sets?state=draft", admin).get_json()
    assert [s["id"] for s in drafts["items"]] == [world.draft_cycle]

    parsed = _db(app, lambda: lifecycle.indicator_set(Cycle.get_by_id(world.open_cycle)))
    path = f"/api/v1/indicator-sets/{world.open_cycle}/indicators"
    page = _get(client, f"{path}?per_page=100", admin).get_json()
    assert [i["code"] for i in page["items"]] == [i.code for i in parsed.indicators()]
    assert page["total"] == len(parsed.indicators()) == listed[world.open_cycle]["indicators"]
    a1 = next(i for i in page["items"] if i["code"] == "A1")
    expected = parsed.indicator("A1")
    assert a1["weight"] == str(expected.weight) and a1["source"] == expected.source
    assert a1["name"] == expected.name
    first = parsed.categories[0]
    one = _get(client, f"{path}?category={first.code}&per_page=100", admin).get_json()
    assert [i["code"] for i in one["items"]] == [i.code for i in first.indicators]
    assert _is_problem_404(_get(client, "/api/v1/indicator-sets/999999/indicators", admin))


def test_indicator_sets_are_the_library_s_staff_only(client, world, tokens):  # noqa: F811
    for role in ("reporter", "viewer"):
        refused = _get(client, "/api/v1/indicator-sets", tokens[role])
        assert refused.status_code == 403
        assert refused.content_type == "application/problem+json"


def test_a_state_outside_the_enum_is_refused_in_chinese(client, world, tokens):  # noqa: F811
    bad = _get(client, "/api/v1/indicator-sets?state=finished", tokens["admin"])
    assert bad.status_code == 422
    (message,) = bad.get_json()["errors"]["query"]["state"]
    assert message.startswith("须为以下之一") and "draft" in message


# --- submissions and self-reports ------------------------------------------------------------


def test_office_reads_every_units_submission_status(app, client, world, tokens):  # noqa: F811
    path = f"/api/v1/cycles/{world.open_cycle}/submissions"
    body = _get(client, f"{path}?per_page=100", tokens["admin"]).get_json()
    assigned = _db(app, lambda: {a.unit_id for a in Cycle.get_by_id(world.open_cycle).assignments})
    rows = {r["unit_id"]: r for r in body["items"]}
    assert set(rows) == assigned and body["total"] == len(assigned)
    a = rows[world.unit_a]
    # Unit A saved A1, A2 and B1 and handed them in (the world); unit B saved nothing.
    assert a["filled"] == 3 and a["submitted"] == 3
    assert rows[world.unit_b]["filled"] == 0 and rows[world.unit_b]["status"] == "not_started"
    assert rows[world.unit_b]["submitted_at"] is None
    assert a["complete"] and a["status"] == "submitted"
    assert a["submitted_at"].endswith("+00:00")
    started = _get(client, f"{path}?status=not_started&per_page=100", tokens["admin"])
    assert world.unit_a not in {r["unit_id"] for r in started.get_json()["items"]}
    first = _get(client, f"{path}?per_page=2", tokens["admin"]).get_json()
    assert len(first["items"]) == 2 and first["total"] == len(assigned)


def test_reporter_reads_its_own_unit_only(client, world, tokens):  # noqa: F811
    reporter = tokens["reporter"]
    body = _get(client, f"/api/v1/cycles/{world.open_cycle}/submissions", reporter).get_json()
    assert [r["unit_id"] for r in body["items"]] == [world.unit_a] and body["total"] == 1
    own = _get(
        client, f"/api/v1/cycles/{world.open_cycle}/units/{world.unit_a}/self-report", reporter
    )
    assert own.status_code == 200
    other = f"/api/v1/cycles/{world.open_cycle}/units/{world.unit_b}/self-report"
    assert _is_problem_404(_get(client, other, reporter))
    # A unit that does not exist answers the same: nothing is confirmed.
    missing = _get(client, f"/api/v1/cycles/{world.open_cycle}/units/999999/self-report", reporter)
    assert _is_problem_404(missing)
    assert missing.get_json()["detail"] == _get(client, other, reporter).get_json()["detail"]
    draft = _get(client, f"/api/v1/cycles/{world.draft_cycle}/submissions", tokens["admin"])
    assert _is_problem_404(draft)  # a draft has no work in progress yet
    assert (
        _get(client, f"/api/v1/cycles/{world.open_cycle}/submissions", tokens["viewer"]).status_code
        == 403
    )


def test_self_report_values_are_the_saved_ones(app, client, world, tokens):  # noqa: F811
    path = f"/api/v1/cycles/{world.open_cycle}/units/{world.unit_a}/self-report?per_page=100"
    body = _get(client, path, tokens["admin"]).get_json()
    saved = _db(
        app,
        lambda: {
            s.indicator_code: s
            for s in Submission.select().where(
                Submission.cycle == world.open_cycle, Submission.unit == world.unit_a
            )
        },
    )
    items = {i["code"]: i for i in body["items"]}
    assert body["unit_id"] == world.unit_a and body["total"] == len(items) >= len(saved)
    assert items["A1"]["value"] == "90/100" and items["A1"]["narrative"] == "抽样 100 人"
    assert items["A1"]["evidence"] == 2  # the PDF and the photo
    for code, sub in saved.items():
        assert items[code]["status"] == sub.status == "submitted"
        assert items[code]["submitted_at"].endswith("+00:00")
    assert all(i["status"] is None for code, i in items.items() if code not in saved)


# --- nomination rounds and award lists -------------------------------------------------------


def test_rounds_and_the_confirmed_award_list(app, client, world, tokens):  # noqa: F811
    body = _get(client, "/api/v1/nomination-rounds", tokens["admin"]).get_json()
    rounds = {r["id"]: r for r in body["items"]}
    assert body["total"] == _db(app, NominationRound.select().count)
    assert rounds[world.round]["phase"] == "confirmed" and rounds[world.round]["nominations"] == 1
    confirmed = _get(client, "/api/v1/nomination-rounds?phase=confirmed", tokens["admin"])
    assert {r["id"] for r in confirmed.get_json()["items"]} == {world.round}

    award = _db(app, lambda: pages.award_list(NominationRound.get_by_id(world.round)))
    path = f"/api/v1/nomination-rounds/{world.round}/awards"
    admin_view = _get(client, path, tokens["admin"]).get_json()
    assert admin_view["total"] == award.count >= 1
    (first,) = [a for a in admin_view["items"] if a["nomination_id"] == world.nomination]
    assert first["unit_id"] == world.unit_a and first["nominee_name"] == "金水区"
    assert first["score"] is not None and first["rank"] == 1
    assert admin_view["confirmed_at"].endswith("+00:00")
    # A reporter reads the published list too, without the panel's scores.
    reporter_view = _get(client, path, tokens["reporter"]).get_json()
    assert [a["nomination_id"] for a in reporter_view["items"]] == [
        a["nomination_id"] for a in admin_view["items"]
    ]
    assert all(a["score"] is None and a["rank"] is None for a in reporter_view["items"])


def test_an_unconfirmed_award_list_is_a_404_problem(app, client, world, tokens):  # noqa: F811
    from tests.nomination_helpers import open_round

    pending = _db(app, lambda: open_round(year=2031, reviewers_per_nomination=1, min_reviews=1).id)
    response = _get(client, f"/api/v1/nomination-rounds/{pending}/awards", tokens["admin"])
    assert _is_problem_404(response) and response.get_json()["detail"] == "表彰名单尚未确认"
    assert _is_problem_404(_get(client, "/api/v1/nomination-rounds/999999/awards", tokens["admin"]))
