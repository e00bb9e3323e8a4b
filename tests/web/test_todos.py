"""The home page's to-dos (待办) per role: counts right, another unit's work never shown,
deadlines with the days left, and a fixed number of queries whatever the amount of work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import lifecycle, publishing, rectifications, submissions
from assess.cycles.models import Cycle, Submission
from assess.web import todos
from tests.cycle_helpers import make_cycle, unit
from tests.helpers import count_queries
from tests.notifications.helpers import hand_in, reporter_of


def _user(name: str) -> User:
    return User.get(User.username == name)


def _return(cycle, code: str, indicator: str, reason: str) -> None:
    sub = Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit(code),
        Submission.indicator_code == indicator,
    )
    assert submissions.return_item(sub, reason, sub.version, _user("inspector"))


def _text(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def season(demo, db):
    """An open cycle due in 5 days: 金水区 handed in and had A2 sent back, 中原区 handed in
    and had A1 sent back; each has a rectification demand; 二七区 has saved one value."""
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=5))
    for code in ("410105", "410102"):
        hand_in(cycle, code)
    _return(cycle, "410105", "A2", "协调会记录缺少签到表")
    _return(cycle, "410102", "A1", "中原区的退回原因")
    inspector = _user("inspector")
    rectifications.demand(
        cycle, unit("410105"), "补充宣传台账", local_today() + timedelta(days=2), inspector, "A1"
    )
    rectifications.demand(cycle, unit("410102"), "中原区的整改要求", local_today(), inspector)
    submissions.save_value(cycle, unit("410103"), "A2", "3", "", 0, reporter_of("410103"))
    return Cycle.get_by_id(cycle.id)


def test_a_reporter_sees_its_own_units_work_only(season, as_user):
    page = _text(as_user("r-410105"))
    assert "待办事项" in page
    assert f"自评截止 {season.self_report_due.isoformat()}" in page and "还剩 5 天" in page
    assert "<strong>0</strong>项指标待填报" in page  # A1 and B1 handed in, A2 sent back
    assert "<strong>1</strong>项被退回待修改" in page
    assert "A2 协调会次数" in page and "退回原因：协调会记录缺少签到表" in page
    assert f'href="/cycles/{season.id}/units/{unit("410105").id}/#item-A2"' in page
    assert "待整改（1 项）" in page and "补充宣传台账" in page and "还剩 2 天" in page
    # 中原区's return and demand are not 金水区's business
    assert "中原区的退回原因" not in page and "中原区的整改要求" not in page


def test_a_reporter_counts_what_is_left_to_fill(season, as_user):
    page = _text(as_user("r-410103"))
    # 二七区 saved A2 without submitting: its three scored items (A1, A2, B1) are all to do
    assert "<strong>3</strong>项指标待填报" in page and "<strong>0</strong>项被退回待修改" in page
    assert "待整改" not in page
    data = todos.reporter_todos(reporter_of("410103"))
    assert [c.to_fill for c in data.cycles] == [3]


def test_a_reporter_past_its_deadline_reads_it_in_words(demo, db, as_user):
    make_cycle("open", self_report_due=local_today() - timedelta(days=2))
    page = _text(as_user("r-410105"))
    assert "已逾期 2 天" in page and "todo-late" in page


def test_an_open_nomination_window_is_a_reporter_todo(demo, db, as_user):
    from assess.nominations import rounds

    round_ = rounds.create_round(
        rounds.RoundSettings(
            year=2030,
            title="",
            window_opens=local_today() - timedelta(days=1),
            window_closes=local_today() + timedelta(days=3),
            reviewers_per_nomination=1,
            min_reviews=1,
        ),
        _user("admin"),
    )
    page = _text(as_user("r-410105"))
    assert round_.title in page and "申报截止" in page and "还剩 3 天" in page
    assert "本单位已推荐 0 个" in page


def test_the_inspector_sees_the_queue_by_status_and_overdue_items(season, as_user):
    Cycle.update(review_due=local_today() - timedelta(days=1)).where(
        Cycle.id == season.id
    ).execute()
    data = todos.inspector_todos(_user("inspector"))
    (queue,) = data
    # 金水区 and 中原区 each: two handed in, one sent back
    assert queue.counts["submitted"] == 4 and queue.counts["returned"] == 2
    # awaiting review after the 核查截止: the four handed-in items
    assert queue.overdue == 4
    page = _text(as_user("inspector"))
    assert "核查待办" in page and "<strong>4</strong>项已逾期" in page
    assert f"/cycles/{season.id}/inspection/?status=all&amp;overdue=1" in page


def test_an_inspector_never_counts_a_recused_units_items(season, as_user):
    inspector = _user("inspector")
    User.update(unit=unit("410105")).where(User.id == inspector.id).execute()
    (queue,) = todos.inspector_todos(User.get_by_id(inspector.id))
    assert queue.counts["submitted"] == 2 and queue.counts["returned"] == 1


def test_the_office_sees_progress_per_unit_late_ones_in_red_and_words(season, as_user):
    hand_in(season, "410104")  # 管城回族区 is done
    Cycle.update(self_report_due=local_today() - timedelta(days=1)).where(
        Cycle.id == season.id
    ).execute()
    (progress,) = todos.admin_todos(_user("admin")).cycles
    assert progress.units == len(lifecycle.units_in(season))
    assert progress.complete == 1 and progress.late == progress.units - 1
    assert progress.open_rectifications == 2
    shown = {line.unit.code: line for line in progress.shown}
    assert "410104" not in shown and len(shown) == todos.UNITS_SHOWN
    jinshui = shown["410105"]
    assert jinshui.late and (jinshui.handed_in, jinshui.required, jinshui.returned) == (2, 3, 1)
    page = _text(as_user("admin"))
    assert "工作进度" in page and f"<strong>{progress.late}</strong>个单位逾期未提交" in page
    assert '<tr class="light-red">' in page and "已逾期 1 天" in page
    assert f"查看全部 {progress.units} 个单位的填报进度" in page


def test_the_viewer_sees_the_latest_results_with_a_chart(demo, db, as_user):
    cycle = make_cycle("open")
    hand_in(cycle, "410105")
    lifecycle.transition(cycle, "review", _user("admin"))
    publishing.publish(Cycle.get_by_id(cycle.id), _user("admin"))
    page = _text(as_user("viewer"))
    assert "最新考核结果" in page and cycle.title in page
    assert "<svg" in page and "等次分布" in page
    assert "县（市、区）第一名：金水区" in page or "第一名：金水区" in page
    assert f"/cycles/{cycle.id}/ranking" in page


def test_the_viewer_without_results_is_told_so(demo, db, as_user):
    assert "尚无已公布的考核结果" in _text(as_user("viewer"))


def test_the_links_of_the_old_tiles_are_still_on_the_home_page(demo, db, as_user):
    page = _text(as_user("admin"))
    assert "常用入口" in page and 'href="/cycles/"' in page


def _queries(client) -> int:
    with count_queries() as n:
        assert client.get("/").status_code == 200
    return n()


def test_home_queries_do_not_grow_with_the_work(demo, db, as_user):
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=5))
    hand_in(cycle, "410105")
    clients = {name: as_user(name) for name in ("r-410105", "inspector", "admin", "viewer")}
    before = {name: _queries(c) for name, c in clients.items()}
    # more work everywhere: returns, demands, other units handing in
    _return(cycle, "410105", "A1", "一")
    _return(cycle, "410105", "A2", "二")
    inspector = _user("inspector")
    for n in range(4):
        rectifications.demand(cycle, unit("410105"), f"整改{n}", local_today(), inspector)
    for code in ("410102", "410103", "410104"):
        hand_in(cycle, code)
    after = {name: _queries(c) for name, c in clients.items()}
    assert after == before
    assert max(after.values()) <= 40, after


def test_the_office_home_counts_late_units_as_the_cycle_overview_does(season, as_user):
    """A unit that handed everything in but let a rectification demand run out is red, yet
    not 逾期未提交: the home page and the overview give the same counts."""
    from assess.cycles.models import Rectification
    from assess.cycles.pages import cycle_totals, unit_statuses

    hand_in(season, "410104")
    rectifications.demand(
        season, unit("410104"), "补充签到表", local_today() + timedelta(days=1), _user("inspector")
    )
    Rectification.update(due_date=local_today() - timedelta(days=1)).where(
        Rectification.unit == unit("410104")
    ).execute()
    (progress,) = todos.admin_todos(_user("admin")).cycles
    totals = cycle_totals(unit_statuses(season).values())
    assert totals["overdue"] == progress.late == 0  # the deadline is five days away
    assert progress.late_rectifications == totals["overdue_rectifications"] == 1
    shown = {line.unit.code: line for line in progress.shown}
    assert shown["410104"].late  # listed in red: it owes a late answer
    overview = as_user("admin").get(f"/cycles/{season.id}").data.decode()
    assert "<strong>0</strong>逾期未提交" in overview
