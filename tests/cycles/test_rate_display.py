"""A rate reads as a percent with its fraction beside it, and its target as a percent, on
every page that shows it: the inspection queue and review page, the self-report page once
the cycle is closed, and the published result (the PDF report is in tests/reports)."""

from __future__ import annotations

import re

import pytest

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Submission
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle, unit


def text_of(response) -> str:
    """The page's text with tags and runs of white space folded, as a person reads it."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def reviewed(demo, db):
    """金水区 reports A1 as 35 of 40 (87.5%), A2 and B1; the inspector verifies A1 as 36/40."""
    Unit.update(active=False).where(
        Unit.kind.in_(["county", "department"]), Unit.code != "410105"
    ).execute()
    cycle = make_cycle("open")
    reporter = User.get(User.username == "r-410105")
    for code, value in [("A1", "35/40"), ("A2", "5"), ("B1", "优")]:
        submissions.save_value(cycle, unit("410105"), code, value, "", None, reporter)
    submissions.submit_unit(cycle, unit("410105"), reporter)
    lifecycle.transition(cycle, "review", User.get(User.username == "admin"))
    return cycle


def a1(cycle) -> Submission:
    return Submission.get(Submission.cycle == cycle, Submission.indicator_code == "A1")


def test_queue_and_review_page_show_the_rate_as_a_percent(as_user, reviewed):
    inspector = as_user("inspector")
    queue = text_of(inspector.get(f"/cycles/{reviewed.id}/inspection/"))
    assert "87.5%（35/40）" in queue
    review = text_of(inspector.get(f"/cycles/{reviewed.id}/inspection/items/{a1(reviewed).id}"))
    assert "87.5%（35/40）" in review
    assert "95%" in review  # the target, in the unit of the value


def test_verified_rate_in_queue_and_read_only_self_report(as_user, reviewed):
    sub = a1(reviewed)
    inspector = User.get(User.username == "inspector")
    submissions.verify_item(sub, sub.version, inspector, "36/40", "复核抽样记录")
    queue = text_of(as_user("inspector").get(f"/cycles/{reviewed.id}/inspection/?status=verified"))
    assert "87.5%（35/40）" in queue and "90%（36/40）" in queue

    page = text_of(as_user("r-410105").get(f"/cycles/{reviewed.id}/units/{unit('410105').id}/"))
    assert "填报值： 87.5%（35/40）" in page or "填报值：87.5%（35/40）" in page
    assert "核定值：90%（36/40）" in page
    assert "目标：95%" in page
    assert "目标：4次" in page  # a count keeps its own unit


def test_result_page_shows_rates_as_percents(as_user, reviewed):
    publishing.publish(reviewed, User.get(User.username == "admin"))
    page = text_of(as_user("viewer").get(f"/cycles/{reviewed.id}/units/{unit('410105').id}/result"))
    assert "87.5%（35/40）" in page
    assert " 95% " in page
    assert "35/40 " not in page.replace("（35/40）", "")  # never the bare fraction
