"""The spot-check page (双随机抽查) and the queue's 抽查 badge: the office draws with a CSRF
form, inspectors read the draw and see their drawn items marked."""

from __future__ import annotations

import re

import pytest

from assess.accounts.models import User
from assess.cycles import sampling as cycle_sampling
from tests.cycle_helpers import handed_in_cycle

COUNTIES = ("410105", "410102", "410103")
VALUES = {"A1": "90/100", "A2": "5", "B1": "优", "X1": "2"}


@pytest.fixture
def handed_in(demo, db):
    return handed_in_cycle(COUNTIES, VALUES)


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_office_draws_and_the_queue_marks_the_items(handed_in, as_user, app):
    office = as_user("admin")
    url = f"/cycles/{handed_in.id}/inspection/sample"
    page = office.get(url).get_data(as_text=True)
    assert "抽取" in page
    form = {"csrf_token": csrf(page), "rate": "0.5", "random_share": "0.5", "seed": "5"}
    response = office.post(url, data=form, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "已抽取 6 项，随机种子 5" in text
    made = cycle_sampling.latest_draw(handed_in)
    assert made.draw.parameters.seed == 5
    queue = office.get(f"/cycles/{handed_in.id}/inspection/").get_data(as_text=True)
    assert queue.count('class="tag sampled"') == 6
    assert "抽查 · 随机" in queue


def test_a_post_without_the_token_draws_nothing(handed_in, as_user, app):
    office = as_user("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    office.post(
        f"/cycles/{handed_in.id}/inspection/sample", data={"rate": "0.5", "random_share": "0.5"}
    )
    assert cycle_sampling.latest_draw(handed_in) is None


def test_an_inspector_reads_but_may_not_draw(handed_in, as_user):
    inspector_name = User.get(User.role == "inspector").username
    client = as_user(inspector_name)
    url = f"/cycles/{handed_in.id}/inspection/sample"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="rate"' not in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True)) if "csrf_token" in page.get_data(as_text=True) else ""
    response = client.post(url, data={"csrf_token": token, "rate": "0.5", "random_share": "0.5"})
    assert response.status_code in (400, 403)
    assert cycle_sampling.latest_draw(handed_in) is None
