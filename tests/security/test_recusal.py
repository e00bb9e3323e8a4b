"""A conflicted inspector (回避) on every inspection route of the unit it must recuse itself
from: refused with 403 and the reason, nothing written, the unit's items out of the queue
and the actions off its pages; the same routes work for an inspector of another unit."""

from __future__ import annotations

import pytest

from assess.accounts import users
from assess.core.db import database
from assess.core.enums import RectificationState, Role, SubmissionState
from assess.core.models import AuditEntry
from assess.cycles.models import Rectification, Submission
from assess.demo.units import DEMO_PASSWORD
from assess.units.models import Unit
from tests.conftest import login

RECUSED = "回避：金水区"


@pytest.fixture
def inspector_from(app, world):
    """inspector_from(code) -> a client signed in as an inspector working for that unit."""

    def sign_in(code: str):
        with app.app_context():
            database.connect(reuse_if_open=True)
            name = f"insp-{code}"
            users.create_user(name, DEMO_PASSWORD, Role.INSPECTOR, Unit.get(Unit.code == code))
            database.close()
        client = app.test_client()
        assert login(client, name).status_code == 302
        return client

    return sign_in


def routes(world, version: int) -> list[tuple[str, str, dict]]:
    """Every inspection route pointed at unit A (金水区): (method, url, form); ``version``
    is the submission's current one, so a refusal is never a mere version conflict."""
    base = f"/cycles/{world.open_cycle}/inspection"
    sub = world.submission
    return [
        ("GET", f"{base}/?unit={world.unit_a}", {}),
        ("GET", f"{base}/?unit={world.unit_a}&status=verified", {}),
        ("GET", f"{base}/items/{sub}", {}),
        ("POST", f"{base}/items/{sub}", {"action": "verify", "version": version}),
        (
            "POST",
            f"{base}/items/{sub}",
            {
                "action": "verify",
                "version": version,
                "deduction": "2",
                "deduction_reason": "台账不全",
            },
        ),
        (
            "POST",
            f"{base}/items/{sub}",
            {"action": "return", "version": version, "return_reason": "x"},
        ),
        (
            "POST",
            f"{base}/units/{world.unit_a}/rectifications",
            {"demand": "再整改", "due_date": "2099-12-31", "indicator_code": ""},
        ),
        ("POST", f"{base}/rectifications/{world.rectification}/close", {"note": "已整改"}),
    ]


def snapshot(app, world) -> tuple:
    with app.app_context():
        database.connect(reuse_if_open=True)
        sub = Submission.get_by_id(world.submission)
        rects = [(r.id, r.status) for r in Rectification.select().order_by(Rectification.id)]
        state = (sub.status, sub.version, sub.deduction, rects, AuditEntry.select().count())
        database.close()
    return state


@pytest.mark.parametrize("code", ["410105", "410105-001", "410105-001-01"])
def test_a_recused_inspector_gets_403_and_the_reason_everywhere(app, world, inspector_from, code):
    client = inspector_from(code)
    before = snapshot(app, world)
    for method, url, form in routes(world, before[1]):
        response = client.open(url, method=method, data=form)
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
        assert RECUSED in response.get_data(as_text=True), f"{method} {url}"
    assert snapshot(app, world) == before


def test_the_queue_and_the_pages_leave_the_unit_out(app, world, inspector_from):
    client = inspector_from("410105-001")
    queue = client.get(f"/cycles/{world.open_cycle}/inspection/")
    assert queue.status_code == 200
    assert f"/items/{world.submission}" not in queue.get_data(as_text=True)

    page = client.get(f"/cycles/{world.open_cycle}/units/{world.unit_a}/")
    assert page.status_code == 200  # reading the self-report stays open to staff
    html = page.get_data(as_text=True)
    assert f"/inspection/items/{world.submission}" not in html
    assert f"/inspection/units/{world.unit_a}/rectifications" not in html
    assert "回避：本单位是您所在单位或其上下级单位" in html

    overview = client.get(f"/cycles/{world.open_cycle}")
    assert overview.status_code == 200
    assert f"/rectifications/{world.rectification}/close" not in overview.get_data(as_text=True)


def test_an_inspector_of_another_unit_works_normally(app, world, inspector_from):
    client = inspector_from("410102")  # 中原区: no tie to 金水区
    base = f"/cycles/{world.open_cycle}/inspection"
    queue = client.get(f"{base}/")
    assert queue.status_code == 200
    assert f"/items/{world.submission}" in queue.get_data(as_text=True)
    assert client.get(f"{base}/?unit={world.unit_a}").status_code == 200
    review = client.get(f"{base}/items/{world.submission}")
    assert review.status_code == 200 and 'value="verify"' in review.get_data(as_text=True)
    page = client.get(f"/cycles/{world.open_cycle}/units/{world.unit_a}/").get_data(as_text=True)
    assert f"/inspection/units/{world.unit_a}/rectifications" in page
    assert f"/inspection/items/{world.submission}" in page
    overview = client.get(f"/cycles/{world.open_cycle}").get_data(as_text=True)
    assert f"/rectifications/{world.rectification}/close" in overview

    every = routes(world, snapshot(app, world)[1])
    for method, url, form in every[3:4] + every[6:]:
        response = client.open(url, method=method, data=form)
        assert response.status_code == 302, f"{method} {url}: {response.status_code}"
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Submission.get_by_id(world.submission).status == SubmissionState.VERIFIED
        assert Rectification.get_by_id(world.rectification).status == RectificationState.CLOSED
        assert Rectification.select().where(Rectification.unit == world.unit_a).count() == 2
        database.close()
