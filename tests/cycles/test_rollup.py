"""The assessments a county's own office ran (本级组织的考核, issue 16 item 3), as the
city's reports read them: per county, its cycles of the city cycle's year, with the grades
of the published ones from their current snapshot."""

from __future__ import annotations

from assess.accounts.models import User
from assess.core.enums import CycleState
from assess.cycles import lifecycle, publishing, rollup
from assess.cycles.models import Cycle, UnitResultRecord
from assess.units.models import Unit
from indicators import shipped_sets
from tests.cycle_helpers import make_cycle

TOWNSHIP_SET = "county-variant-township"


def _owned(owner: Unit, name: str, state: str, year: int = 2026) -> Cycle:
    admin = User.get(User.username == "admin")
    text = shipped_sets()[TOWNSHIP_SET].read_text("utf-8")
    cycle = lifecycle.create_cycle(year, name, text, TOWNSHIP_SET, actor=admin, owner=owner)
    if state != "draft":
        lifecycle.transition(cycle, "open", admin)
    if state == "published":
        lifecycle.transition(cycle, "review", admin)
        publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def _grade(cycle: Cycle, unit_code: str, grade: str) -> None:
    """Give a township a known grade in the cycle's current snapshot (the set-up has no
    values to score, so every township would be 不合格)."""
    snapshot = publishing.current_snapshot(cycle)
    UnitResultRecord.update(grade=grade).where(
        UnitResultRecord.snapshot == snapshot,
        UnitResultRecord.unit == Unit.by_code(unit_code),
    ).execute()


def test_published_unpublished_and_other_counties(demo, db):
    city = make_cycle("open")
    jinshui, erqi = Unit.by_code("410105"), Unit.by_code("410103")
    published = _owned(jinshui, "金水区乡镇考核", "published")
    _grade(published, "410105-001", "优秀")
    _grade(published, "410105-002", "合格")
    _owned(jinshui, "金水区社区考核", "open")
    _owned(jinshui, "金水区草稿", "draft")  # no assessment yet: not listed
    _owned(jinshui, "金水区上年考核", "published", year=2025)  # another year
    _owned(erqi, "二七区乡镇考核", "published")

    owned = rollup.owned_by(city, [jinshui])
    assert set(owned) == {jinshui.id}  # 二七区's cycle is not 金水区's
    done, running = owned[jinshui.id]
    assert (done.name, done.owner, done.published, done.state) == (
        "金水区乡镇考核",
        "金水区",
        True,
        CycleState.PUBLISHED,
    )
    assert done.assessed == 2 and done.kinds == ("township",)
    assert done.grades == (("优秀", 1), ("良好", 0), ("合格", 1), ("不合格", 0))
    assert (running.name, running.published, running.state, running.grades) == (
        "金水区社区考核",
        False,
        CycleState.OPEN,
        (),
    )
    assert running.assessed == 2


def test_a_township_office_s_cycle_counts_under_its_county(demo, db):
    city = make_cycle("open")
    jinshui, erqi = Unit.by_code("410105"), Unit.by_code("410103")
    township = Unit.by_code("410105-001")
    _owned(township, "经八路街道社区考核", "open")
    owned = rollup.owned_by(city, [jinshui, erqi])
    assert [a.owner for a in owned[jinshui.id]] == ["经八路街道"]
    assert erqi.id not in owned


def test_no_owned_cycle_no_entry(demo, db):
    city = make_cycle("open")
    assert rollup.owned_by(city, [Unit.by_code("410105")]) == {}


def test_the_city_reports_carry_them(demo, db, app):
    from assess.reports import content

    admin = User.get(User.username == "admin")
    city = make_cycle("review")
    publishing.publish(city, admin)
    jinshui = Unit.by_code("410105")
    _grade(_owned(jinshui, "金水区乡镇考核", "published"), "410105-001", "良好")
    with app.test_request_context():
        report = content.unit_report(city, jinshui, "市办")
        summary = content.city_summary(city, "市办")
        other = content.unit_report(city, Unit.by_code("410103"), "市办")
    (row,) = report.own_assessments
    assert (row.unit_name, row.cycle_name, row.published, row.assessed) == (
        "金水区",
        "金水区乡镇考核",
        True,
        2,
    )
    assert row.assessed_label == "乡（镇、办）"
    assert row.grades == (("优秀", 0), ("良好", 1), ("合格", 0), ("不合格", 1))
    assert summary.own_assessments == (row,)
    assert other.own_assessments == ()


def test_the_result_page_shows_the_county_s_own_assessment(demo, db, as_user):
    admin = User.get(User.username == "admin")
    city = make_cycle("review")
    publishing.publish(city, admin)
    jinshui = Unit.by_code("410105")
    owned = _owned(jinshui, "金水区乡镇考核", "published")
    _grade(owned, "410105-001", "良好")
    page = f"/cycles/{city.id}/units/{jinshui.id}/result"
    ranking = f'href="/cycles/{owned.id}/ranking"'

    office = as_user("admin").get(page).data.decode()
    assert "本级组织考核情况" in office
    assert "金水区组织金水区乡镇考核，对2个乡（镇、办）进行考核，结果已公布" in office
    assert "良好1个" in office
    assert ranking in office  # the city office reads every level's results

    own = as_user("r-410105").get(page).data.decode()
    assert "金水区乡镇考核" in own
    assert ranking not in own  # a reporter has no ranking to open

    other = as_user("admin").get(f"/cycles/{city.id}/units/{Unit.by_code('410103').id}/result")
    assert "本级组织考核情况" not in other.data.decode()
