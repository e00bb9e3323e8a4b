"""The published charts on the ranking page, the cycle overview and the leader's home: each
figure's title, an SVG with a viewBox, and the data table with the snapshot's figures;
drawn once per snapshot and language, in a bounded number of queries."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Cycle, Submission, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.reports import web_figures
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle, unit
from tests.helpers import count_queries

COUNTIES = ("410105", "410102", "410103")
KIND = "县（市、区）"


def _publish(year: int, values: dict[str, list[tuple[str, str]]], previous=None) -> Cycle:
    cycle = make_cycle("open", year=year, previous=previous)
    for code, items in values.items():
        reporter = User.get(User.username == f"r-{code}")
        for indicator, value in items:
            submissions.save_value(cycle, unit(code), indicator, value, "", None, reporter)
    Submission.update(status="submitted").where(Submission.cycle == cycle).execute()
    admin = User.get(User.username == "admin")
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


@pytest.fixture
def two_years(demo, db):
    """2025 and 2026 published over three counties, 2026 compared with 2025."""
    Unit.update(active=False).where(
        Unit.kind.in_(["county", "department"]), Unit.code.not_in(COUNTIES)
    ).execute()
    last = _publish(2025, {"410105": [("A1", "70/100"), ("A2", "3"), ("B1", "良")]})
    this = _publish(
        2026,
        {
            "410105": [("A1", "85/100"), ("A2", "5"), ("B1", "优")],
            "410102": [("A2", "4")],
        },
        previous=last,
    )
    return last, this


def _figure(page: str, key: str) -> str:
    """The HTML of figure ``key`` on ``page``."""
    match = re.search(rf'<figure class="chart-figure[^"]*" id="{key}">(.*?)</figure>', page, re.S)
    assert match, f"no figure {key}"
    return match.group(1)


def _rows(figure: str) -> list[list[str]]:
    body = figure.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _title(figure: str) -> str:
    return re.search(r'<h\d class="chart-title" id="[^"]+">(.*?)</h\d>', figure).group(1)


def _svg_ok(figure: str, key: str) -> None:
    svg = re.search(r"<svg[^>]*>", figure).group(0)
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg), svg
    assert f'aria-labelledby="{key}-title"' in svg and 'role="img"' in svg
    assert " width=" not in svg and " height=" not in svg


def _records(cycle: Cycle) -> dict[str, UnitResultRecord]:
    snapshot = current_snapshot(cycle)
    return {
        r.unit.name: r
        for r in UnitResultRecord.select().where(UnitResultRecord.snapshot == snapshot)
    }


def test_the_ranking_page_shows_each_figure_with_the_snapshots_figures(as_user, two_years):
    last, this = two_years
    page = as_user("viewer").get(f"/cycles/{this.id}/ranking").get_data(as_text=True)
    records, previous = _records(this), _records(last)

    bars = _figure(page, "ranking-county")
    assert _title(bars) == f"{KIND}考核总得分"
    _svg_ok(bars, "ranking-county")
    shown = {row[1]: row for row in _rows(bars)}
    assert set(shown) == set(records)
    for name, rec in records.items():
        assert shown[name][2] == f"{Decimal(rec.total):.2f}"
        assert shown[name][3] == rec.grade and shown[name][0] == str(rec.rank)
        assert name in bars  # the bars are labelled with the units
    assert shown["金水区"][2] == "88.57"

    change = _figure(page, "change-county")
    assert _title(change) == f"{KIND}总得分与上年度比较"
    _svg_ok(change, "change-county")
    for name, total, before, delta in _rows(change):
        assert total == f"{Decimal(records[name].total):.2f}"
        assert before == f"{Decimal(previous[name].total):.2f}"
        change_value = Decimal(records[name].total) - Decimal(previous[name].total)
        assert Decimal(delta) == change_value.quantize(Decimal("0.01"))

    grades = _figure(page, "grades")
    assert _title(grades) == "考核等次分布"
    _svg_ok(grades, "grades")
    counted = {grade: int(n) for grade, n in _rows(grades)}
    for grade in counted:
        assert counted[grade] == sum(1 for r in records.values() if r.grade == grade)

    heat = _figure(page, "heatmap-1")
    assert _title(heat) == f"{KIND}各项指标得分率（%）"
    _svg_ok(heat, "heatmap-1")
    assert "A1 政策知晓率" in heat.split("<details", 1)[0]  # the legend names the codes
    jinshui = json.loads(records["金水区"].scores)
    row = next(r for r in _rows(heat) if r[0] == "A1 政策知晓率")
    header = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', heat)
    cell = row[header.index("金水区")]
    assert cell == f"{Decimal(jinshui['A1']['score']) * 100 / 40:.2f}"


def test_a_trial_ranking_has_no_published_figures(as_user, demo, db):
    cycle = make_cycle("review")
    page = as_user("admin").get(f"/cycles/{cycle.id}/ranking?preview=1").get_data(as_text=True)
    assert "试算排名" in page and "chart-figure" not in page


def test_the_published_overview_shows_the_same_figures(as_user, two_years):
    _last, this = two_years
    page = as_user("admin").get(f"/cycles/{this.id}").get_data(as_text=True)
    for key in ("grades", "ranking-county", "change-county", "heatmap-1"):
        _svg_ok(_figure(page, key), key)
    assert 'id="progress"' not in page  # the progress chart is for cycles still reporting


def test_the_leaders_home_shows_the_distribution_and_the_first_kinds_bars(as_user, two_years):
    _last, this = two_years
    page = as_user("viewer").get("/").get_data(as_text=True)
    records = _records(this)
    for key in ("grades", "ranking-county"):
        _svg_ok(_figure(page, key), key)
    totals = {row[1]: row[2] for row in _rows(_figure(page, "ranking-county"))}
    assert totals == {name: f"{Decimal(r.total):.2f}" for name, r in records.items()}


def test_figures_are_drawn_once_per_snapshot_and_language(app, two_years):
    _last, this = two_years
    with app.test_request_context():
        first = web_figures.published_figures(this, "zh_CN")
        assert web_figures.published_figures(Cycle.get_by_id(this.id), "zh_CN") is first
        english = web_figures.published_figures(this, "en")
        assert english is not first and english.grades.title == "Distribution of grades"
        # republishing makes a new snapshot: new figures, with the new totals (中原区's
        # A2 verified lower, as an upheld appeal would)
        Submission.update(verified_value_text="2").where(
            Submission.cycle == this,
            Submission.unit == unit("410102"),
            Submission.indicator_code == "A2",
        ).execute()
        admin = User.get(User.username == "admin")
        publishing.publish(Cycle.get_by_id(this.id), admin, reason="复核申诉成立")
        again = web_figures.published_figures(Cycle.get_by_id(this.id), "zh_CN")
    assert again is not first
    assert again.ranking("county").table != first.ranking("county").table


def _queries(client, url: str) -> int:
    with count_queries() as n:
        assert client.get(url).status_code == 200
    return n()


def test_the_figures_cost_a_bounded_number_of_queries(as_user, two_years):
    last, this = two_years
    viewer = as_user("viewer")
    cold = _queries(viewer, f"/cycles/{this.id}/ranking")
    warm = _queries(viewer, f"/cycles/{this.id}/ranking")
    # Drawn: what the city summary's data costs, however many figures it makes.
    assert cold - warm <= 15, (cold, warm)
    # Kept: the snapshot, last year's cycle and its snapshot, whatever the figures.
    warm_without_comparison = _queries(viewer, f"/cycles/{last.id}/ranking")
    warm_without_comparison = _queries(viewer, f"/cycles/{last.id}/ranking")
    assert warm - warm_without_comparison <= 2
    preview = _queries(as_user("admin"), f"/cycles/{this.id}/ranking?preview=1")
    assert preview > 0  # the trial ranking draws nothing and still answers
