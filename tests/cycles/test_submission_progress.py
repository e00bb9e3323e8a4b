"""The cycle overview's self-report progress over time (填报进度): units counted on the
office's calendar day their self-report became complete, the chart and its table on the
overview, for the office only, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import submissions
from assess.cycles.models import Cycle, Submission
from assess.cycles.submission_progress import (
    ProgressDay,
    chart_points,
    completion_times,
    progress_days,
)
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle, unit
from tests.helpers import count_queries
from tests.notifications.helpers import hand_in


@pytest.mark.pure
def test_days_are_the_offices_calendar_days():
    # 16:00 UTC is midnight in China: the second and third times fall on 3 March.
    times = [
        datetime(2026, 3, 1, 15, 59),
        datetime(2026, 3, 1, 16, 0),
        datetime(2026, 3, 2, 1, 0),
        datetime(2026, 3, 5, 8, 0),
    ]
    assert progress_days(times) == [
        ProgressDay(date(2026, 3, 1), 1, 1),
        ProgressDay(date(2026, 3, 2), 2, 3),
        ProgressDay(date(2026, 3, 5), 1, 4),
    ]
    assert progress_days([]) == []


@pytest.mark.pure
def test_the_line_starts_at_none_and_holds_to_the_close_of_today():
    days = [ProgressDay(date(2026, 3, 2), 2, 2), ProgressDay(date(2026, 3, 5), 1, 3)]
    assert chart_points(days, date(2026, 2, 25), date(2026, 3, 10)) == [
        (date(2026, 2, 25), 0),
        (date(2026, 3, 2), 2),
        (date(2026, 3, 5), 3),
        (date(2026, 3, 11), 3),
    ]
    # opened the day of the first completion: the step still shows, from the day before
    assert chart_points(days, date(2026, 3, 2), date(2026, 3, 5))[0] == (date(2026, 3, 1), 0)
    # nothing handed in yet: a flat line from the opening to the close of today
    assert chart_points([], date(2026, 3, 1), date(2026, 3, 4)) == [
        (date(2026, 3, 1), 0),
        (date(2026, 3, 5), 0),
    ]


COUNTIES = ("410105", "410102", "410103", "410104")


def _handed_in_at(cycle: Cycle, code: str, *times: datetime) -> None:
    """The unit hands in its items at ``times`` in turn, the rest at the last of them."""
    hand_in(cycle, code)
    subs = Submission.select().where(Submission.cycle == cycle, Submission.unit == unit(code))
    for n, sub in enumerate(subs.order_by(Submission.id)):
        at = times[min(n, len(times) - 1)]
        Submission.update(submitted_at=at).where(Submission.id == sub.id).execute()


@pytest.fixture
def reporting(demo, db):
    """An open cycle over four counties: three handed in on known days, one returned."""
    Unit.update(active=False).where(
        Unit.kind.in_(["county", "department"]), Unit.code.not_in(COUNTIES)
    ).execute()
    today = local_today()
    cycle = make_cycle("open", self_report_due=today + timedelta(days=3))
    Cycle.update(opened_at=datetime(2026, 2, 27, 2, 0)).where(Cycle.id == cycle.id).execute()
    # 金水区's last item 3 March 01:00 China time: counted on 3 March, not 2 March (UTC)
    _handed_in_at(cycle, "410105", datetime(2026, 3, 1, 2, 0), datetime(2026, 3, 2, 17, 0))
    _handed_in_at(cycle, "410102", datetime(2026, 3, 3, 3, 0), datetime(2026, 3, 3, 4, 0))
    _handed_in_at(cycle, "410103", datetime(2026, 3, 6, 3, 0))
    _handed_in_at(cycle, "410104", datetime(2026, 3, 7, 3, 0))
    # 惠济区's item sent back: its self-report is no longer complete, so it is not counted
    sub = Submission.get(Submission.cycle == cycle, Submission.unit == unit("410104"))
    submissions.return_item(sub, "请补充", sub.version, User.get(User.username == "inspector"))
    return Cycle.get_by_id(cycle.id)


def test_completion_is_the_last_scored_item_handed_in(reporting):
    ids = [unit(code).id for code in COUNTIES]
    times = completion_times(reporting, ids)
    assert set(times) == {unit(c).id for c in ("410105", "410102", "410103", "410104")}
    assert times[unit("410105").id] == datetime(2026, 3, 2, 17, 0)
    # only the units asked about: the overview passes the complete ones
    assert set(completion_times(reporting, ids[:1])) == {ids[0]}


def _figure(page: str) -> str:
    match = re.search(r'<figure class="chart-figure[^"]*" id="progress">(.*?)</figure>', page, re.S)
    assert match, "no progress chart"
    return match.group(1)


def test_the_overview_draws_the_progress_with_its_table(as_user, reporting):
    page = as_user("admin").get(f"/cycles/{reporting.id}").get_data(as_text=True)
    assert "<strong>3</strong>已提交单位" in page  # the line ends at the overview's count
    figure = _figure(page)
    assert '<h2 class="chart-title" id="progress-title">自评提交进度</h2>' in figure
    svg = re.search(r"<svg[^>]*>", figure).group(0)
    assert (
        re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg) and 'aria-labelledby="progress-title"' in svg
    )
    assert "参评单位 4 个" in figure and "自评截止" in figure
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", figure.split("<tbody>", 1)[1], re.S)
    ]
    assert rows == [
        ["2026-03-03", "2", "2", "50.00"],
        ["2026-03-06", "1", "3", "75.00"],
    ]


def test_a_reporter_never_gets_the_progress_chart(as_user, reporting):
    reporter = as_user("r-410105")
    answer = reporter.get(f"/cycles/{reporting.id}")
    assert answer.status_code == 302  # to its own unit's page
    own = reporter.get(answer.headers["Location"]).get_data(as_text=True)
    assert "自评提交进度" not in own and 'id="progress"' not in own


def test_a_draft_cycle_has_no_progress_chart(as_user, demo, db):
    cycle = make_cycle("draft")
    page = as_user("admin").get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert 'id="progress"' not in page


def _queries(client, url: str) -> int:
    with count_queries() as n:
        assert client.get(url).status_code == 200
    return n()


def test_the_progress_costs_the_same_queries_however_many_units_handed_in(as_user, demo, db):
    cycle = make_cycle("open")
    admin = as_user("admin")
    hand_in(cycle, "410105")
    few = _queries(admin, f"/cycles/{cycle.id}")
    for code in ("410102", "410103", "410104", "410106"):
        hand_in(cycle, code)
    assert _queries(admin, f"/cycles/{cycle.id}") == few
