"""An indicator of the city's set whose value comes from the county's own published cycle
(取数, ``from_cycle: {share_graded: 合格}``, issue 16 item 3): scored from the share of its
townships graded 合格 or better, with the source in its 得分依据; nobody reports it."""

from __future__ import annotations

import json

import pytest

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Assignment, Cycle, UnitResultRecord
from assess.cycles.submissions import SubmissionError
from assess.units.models import Unit
from tests.conftest import login
from tests.cycle_helpers import SET_PATH, unit
from tests.cycles.test_rollup import _grade, _owned
from tests.notifications.helpers import reporter_of

JINSHUI, ERQI = "410105", "410103"
TAKEN = """      - code: A3
        name: 乡镇考核合格率
        applies_to: [county]
        measure: rate
        unit: "%"
        target: 100
        weight: 10
        rule: linear
        floor: 0
        source: "测试 一(三)"
        from_cycle: {share_graded: 合格}
"""


def _city_cycle(state: str) -> Cycle:
    admin = User.get(User.username == "admin")
    text = SET_PATH.read_text("utf-8").replace("  - code: B\n", TAKEN + "  - code: B\n", 1)
    cycle = lifecycle.create_cycle(2026, "市级考核", text, "city.yaml", actor=admin)
    lifecycle.transition(cycle, "open", admin)
    if state == "review":
        lifecycle.transition(cycle, "review", admin)
    return Cycle.get_by_id(cycle.id)


def _scores(cycle: Cycle, code: str) -> dict:
    snapshot = publishing.current_snapshot(cycle)
    record = UnitResultRecord.get(
        UnitResultRecord.snapshot == snapshot, UnitResultRecord.unit == Unit.by_code(code)
    )
    return json.loads(record.scores)


def test_the_value_is_the_share_of_townships_graded_at_least_the_grade(demo, db):
    admin = User.get(User.username == "admin")
    township_cycle = _owned(Unit.by_code(JINSHUI), "金水区乡镇考核", "published")
    _grade(township_cycle, "410105-001", "良好")  # 合格 or better
    _grade(township_cycle, "410105-002", "不合格")
    _owned(Unit.by_code(ERQI), "二七区乡镇考核", "open")  # not published: no value yet
    city = _city_cycle("review")

    publishing.publish(city, admin)

    jinshui = _scores(city, JINSHUI)["A3"]
    assert (jinshui["value"], jinshui["score"], jinshui["missing"]) == ("1/2", "5.00", False)
    assert jinshui["basis"].startswith(
        "本项取自《金水区乡镇考核》已发布结果：考核2个单位，1个为合格及以上（50.00%）；"
    )
    erqi = _scores(city, ERQI)["A3"]
    assert (erqi["value"], erqi["score"], erqi["missing"]) == (None, "0.00", True)
    assert erqi["basis"].startswith("本项取自二七区2026年度组织的考核结果，尚无已发布的结果；")


def test_a_republished_township_cycle_changes_the_value_at_the_city_s_next_publication(demo, db):
    admin = User.get(User.username == "admin")
    township_cycle = _owned(Unit.by_code(JINSHUI), "金水区乡镇考核", "published")
    _grade(township_cycle, "410105-001", "合格")
    _grade(township_cycle, "410105-002", "优秀")
    city = _city_cycle("review")
    publishing.publish(city, admin)
    assert _scores(city, JINSHUI)["A3"]["value"] == "2/2"
    assert _scores(city, JINSHUI)["A3"]["score"] == "10.00"


def test_nobody_reports_it(demo, db):
    city = _city_cycle("open")
    jinshui = unit(JINSHUI)
    assert (
        not Assignment.select()
        .where(Assignment.cycle == city, Assignment.indicator_code == "A3")
        .exists()
    )
    assert "A3" not in {i.indicator.code for i in submissions.unit_items(city, jinshui)}
    with pytest.raises(SubmissionError, match="取自本单位组织的考核结果，无需填报"):
        submissions.save_value(city, jinshui, "A3", "2/2", "", 0, reporter_of(JINSHUI))
    # Submitting needs only the reported items.
    reporter = reporter_of(JINSHUI)
    for code, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
        submissions.save_value(city, jinshui, code, value, "", 0, reporter)
    assert submissions.submit_unit(city, jinshui, reporter) == 3


def test_the_reporter_s_page_names_it_as_taken(demo, app, db):
    city = _city_cycle("open")
    client = app.test_client()
    login(client, f"r-{JINSHUI}")
    page = client.get(f"/cycles/{city.id}/units/{unit(JINSHUI).id}/").get_data(as_text=True)
    assert "取自本单位组织的考核结果的指标" in page
    assert "A3 乡镇考核合格率（合格及以上的单位所占比例）" in page
    assert 'id="value-A3"' not in page
