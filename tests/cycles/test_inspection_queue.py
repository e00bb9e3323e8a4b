"""The inspection queue made for volume (督查核查): filters that survive the review pages,
next and previous through the filtered queue, bulk 核定无误 with one confirmation, and the
review conflicts: the other inspector's decision shown, a double submit no conflict; and
deductions (扣分) that take something off."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from assess.accounts import users
from assess.accounts.models import User
from assess.core.enums import Role, SubmissionState
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import rectifications, submissions
from assess.cycles.models import Cycle, Rectification, Submission
from assess.demo.units import DEMO_PASSWORD
from tests.cycle_helpers import make_cycle, unit

COUNTIES = ("410105", "410102")  # 金水区, 中原区 (sort order: 中原区 first)
VALUES = {"A1": "90/100", "A2": "5", "B1": "优", "X1": "2"}


@pytest.fixture
def handed_in(demo, db):
    """An open cycle where 金水区 and 中原区 handed in A1, A2, B1 and X1."""
    cycle = make_cycle("open")
    reporter = User.get(User.username == "r-410105")
    for code in COUNTIES:
        for indicator, value in VALUES.items():
            submissions.save_value(cycle, unit(code), indicator, value, "", None, reporter)
    Submission.update(status=SubmissionState.SUBMITTED).execute()
    return cycle


def second_inspector() -> User:
    return users.create_user(
        "inspector2", DEMO_PASSWORD, Role.INSPECTOR, display_name="督查组 王芳"
    )


def item(code: str, indicator: str) -> Submission:
    return Submission.get(Submission.unit == unit(code), Submission.indicator_code == indicator)


def queue_codes(page: str) -> list[str]:
    """(unit, indicator code) of each queue row, in order."""
    return re.findall(r'<td class="unit">(\S+区)</td><td>([A-Z]\d)', page)


def review_url(cycle: Cycle, sub: Submission, query: str = "") -> str:
    return f"/cycles/{cycle.id}/inspection/items/{sub.id}" + (f"?{query}" if query else "")


# --- filters ---------------------------------------------------------------------------------


def test_the_queue_filters_by_unit_category_deduction_and_status(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    base = f"/cycles/{cycle.id}/inspection/"
    page = inspector.get(base).data.decode()
    assert len(queue_codes(page)) == 8
    assert queue_codes(page)[:4] == [("中原区", c) for c in ("A1", "A2", "B1", "X1")]

    jinshui = unit("410105")
    page = inspector.get(f"{base}?unit={jinshui.id}&category=B").data.decode()
    assert queue_codes(page) == [("金水区", "B1"), ("金水区", "X1")]
    # The filter is shown as chosen, and each tab keeps it.
    assert f'<option selected value="{jinshui.id}">' in page
    assert f"status=verified&amp;unit={jinshui.id}&amp;category=B" in page

    b1 = item("410105", "B1")
    submissions.verify_item(
        b1,
        b1.version,
        User.get(User.username == "inspector"),
        deduction=Decimal(3),
        deduction_reason="台账不全",
    )
    page = inspector.get(f"{base}?status=verified&deducted=1").data.decode()
    assert queue_codes(page) == [("金水区", "B1")] and "扣分 3" in page
    assert queue_codes(inspector.get(f"{base}?status=submitted&deducted=1").data.decode()) == []
    page = inspector.get(f"{base}?status=all&unit={jinshui.id}").data.decode()
    assert len(queue_codes(page)) == 4 and "已核定" in page


def test_overdue_means_outstanding_past_its_deadline(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    base = f"/cycles/{cycle.id}/inspection/?overdue=1"
    assert queue_codes(inspector.get(base).data.decode()) == []
    # A rectification demand on 金水区's A2, due yesterday and not answered.
    demand = rectifications.demand(
        cycle,
        unit("410105"),
        "补充会议纪要",
        local_today(),
        User.get(User.username == "inspector"),
        "A2",
    )
    Rectification.update(due_date=local_today() - timedelta(days=2)).where(
        Rectification.id == demand.id
    ).execute()
    page = inspector.get(base).data.decode()
    assert queue_codes(page) == [("金水区", "A2")] and "逾期" in page
    # Past the review deadline every item still awaiting review is overdue.
    Cycle.update(review_due=local_today() - timedelta(days=1)).execute()
    assert len(queue_codes(inspector.get(base).data.decode())) == 8


def test_the_review_page_steps_through_the_filtered_queue(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    jinshui = unit("410105")
    query = f"status=submitted&unit={jinshui.id}"
    a1, a2 = item("410105", "A1"), item("410105", "A2")
    page = inspector.get(review_url(cycle, a1, query)).data.decode()
    assert "第 1 / 4 项" in page
    assert f'href="{review_url(cycle, a2, query).replace("&", "&amp;")}"' in page
    assert "上一项</span>" in page  # nothing before the first
    assert f'href="/cycles/{cycle.id}/inspection/?{query.replace("&", "&amp;")}"' in page

    # Verifying goes on to the next item of the same filtered queue.
    response = inspector.post(
        review_url(cycle, a1, query), data={"action": "verify", "version": a1.version}
    )
    assert response.headers["Location"] == review_url(cycle, a2, query)
    page = inspector.get(review_url(cycle, a2, query)).data.decode()
    assert "第 1 / 3 项" in page  # A1 left the 待核查 queue
    assert f'href="{review_url(cycle, a1, query).replace("&", "&amp;")}"' not in page
    x1 = item("410105", "X1")
    page = inspector.get(review_url(cycle, x1, query)).data.decode()
    assert "下一项 ›</span>" in page
    response = inspector.post(
        review_url(cycle, x1, query), data={"action": "verify", "version": x1.version}
    )
    assert response.headers["Location"] == f"/cycles/{cycle.id}/inspection/?{query}"


# --- bulk 核定无误 ---------------------------------------------------------------------------


def test_bulk_verify_asks_once_then_verifies_each_item_audited(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    picks = [item("410105", c) for c in VALUES]
    form = {"item": [f"{s.id}:{s.version}" for s in picks]}
    url = f"/cycles/{cycle.id}/inspection/verify?status=submitted&unit={picks[0].unit_id}"
    confirm = inspector.post(url, data=form)
    assert confirm.status_code == 200
    page = confirm.data.decode()
    assert "确认核定 4 项" in page and "政策知晓率" in page
    assert Submission.select().where(Submission.status == "verified").count() == 0

    done = inspector.post(url, data={**form, "confirmed": "1"}, follow_redirects=True)
    page = done.data.decode()
    assert "已核定无误 4 项" in page and "未核定" not in page
    assert {s.status for s in Submission.select().where(Submission.unit == picks[0].unit_id)} == {
        "verified"
    }
    assert item("410102", "A1").status == "submitted"
    entries = AuditEntry.select().where(AuditEntry.action == "submission.verify").count()
    assert entries == 4
    # The same confirmation sent again (a double click) is done, not refused.
    again = inspector.post(url, data={**form, "confirmed": "1"}, follow_redirects=True)
    assert "已核定无误 4 项" in again.data.decode() and "未核定" not in again.data.decode()
    assert AuditEntry.select().where(AuditEntry.action == "submission.verify").count() == 4


def test_bulk_verify_lists_what_it_refused_and_verifies_the_rest(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    other = second_inspector()
    a1, a2, b1 = (item("410105", c) for c in ("A1", "A2", "B1"))
    form = {"item": [f"{s.id}:{s.version}" for s in (a1, a2, b1)], "confirmed": "1"}
    # Meanwhile 王芳 verified A1 with a value of her own and 金水区's A2 was sent back.
    submissions.verify_item(a1, a1.version, other, verified_value="80/100", reason="抽查")
    submissions.return_item(a2, "缺纪要", a2.version, other)
    page = inspector.post(
        f"/cycles/{cycle.id}/inspection/verify", data=form, follow_redirects=True
    ).data.decode()
    assert "已核定无误 1 项" in page
    assert "未核定 金水区 · A1" in page and "督查组 王芳" in page and "80/100" in page
    assert "未核定 金水区 · A2" in page and "缺纪要" in page
    assert item("410105", "A1").verified_value_text == "80/100"  # her decision kept
    assert item("410105", "B1").status == "verified"


def test_bulk_verify_refuses_a_recused_unit(as_user, handed_in):
    users.create_user("insp-jinshui", DEMO_PASSWORD, Role.INSPECTOR, unit("410105"))
    inspector = as_user("insp-jinshui")
    a1 = item("410105", "A1")
    page = inspector.post(
        f"/cycles/{handed_in.id}/inspection/verify",
        data={"item": f"{a1.id}:{a1.version}", "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()
    assert "未核定 金水区 · A1" in page and "回避" in page
    assert item("410105", "A1").status == "submitted"


# --- conflicts and double submits ------------------------------------------------------------


def test_a_conflict_shows_the_other_inspectors_decision(as_user, handed_in):
    cycle = handed_in
    b1 = item("410105", "B1")
    seen = b1.version
    submissions.verify_item(
        b1,
        seen,
        second_inspector(),
        verified_value="良",
        reason="抽查",
        deduction=Decimal("2.5"),
        deduction_reason="台账不全",
    )
    response = as_user("inspector").post(
        review_url(cycle, b1),
        data={"action": "verify", "version": seen, "verified_value": "中", "reason": "复核"},
        follow_redirects=True,
    )
    page = response.data.decode()
    assert "督查组 王芳" in page and "核定值 良" in page and "扣分 2.5（台账不全）" in page
    assert "当前值：优" not in page and "自评值 优" not in page
    assert item("410105", "B1").verified_value_text == "良"


def test_the_same_form_sent_twice_is_no_conflict(as_user, handed_in):
    cycle, inspector = handed_in, as_user("inspector")
    b1 = item("410105", "B1")
    form = {
        "action": "verify",
        "version": b1.version,
        "deduction": "3",
        "deduction_reason": "台账不全",
    }
    first = inspector.post(review_url(cycle, b1), data=form)
    second = inspector.post(review_url(cycle, b1), data=form, follow_redirects=True)
    assert first.status_code == 302
    page = second.data.decode()
    assert "已核定 B1" in page and "flash-error" not in page
    assert item("410105", "B1").version == b1.version + 1  # written once, audited once
    assert AuditEntry.select().where(AuditEntry.action == "submission.verify").count() == 1
    a2 = item("410105", "A2")
    form = {"action": "return", "version": a2.version, "return_reason": "缺纪要"}
    inspector.post(review_url(cycle, a2), data=form)
    page = inspector.post(review_url(cycle, a2), data=form, follow_redirects=True).data.decode()
    assert "已退回 A2" in page and "flash-error" not in page


# --- deductions that do something ------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "value", "points", "message"),
    [
        ("A2", "1", "2", "得分为 0，扣分不起作用"),  # below target: threshold gives 0
        ("B1", "中", "20", "扣分不能超过 18 分"),  # 中 = 0.6 × 30
        ("X1", "2", "1", "加分项和否决项不能扣分"),
    ],
)
def test_a_deduction_that_would_take_nothing_off_is_refused(
    as_user, handed_in, indicator, value, points, message
):
    sub = item("410105", indicator)
    Submission.update(value_text=value).where(Submission.id == sub.id).execute()
    page = (
        as_user("inspector")
        .post(
            review_url(handed_in, sub),
            data={
                "action": "verify",
                "version": sub.version,
                "deduction": points,
                "deduction_reason": "台账不全",
            },
            follow_redirects=True,
        )
        .data.decode()
    )
    assert message in page
    assert item("410105", indicator).status == "submitted"


def test_a_deduction_up_to_the_score_is_taken(as_user, handed_in):
    sub = item("410105", "B1")
    Submission.update(value_text="中").where(Submission.id == sub.id).execute()
    response = as_user("inspector").post(
        review_url(handed_in, sub),
        data={
            "action": "verify",
            "version": sub.version,
            "deduction": "18",
            "deduction_reason": "台账不全",
        },
    )
    assert response.status_code == 302
    assert item("410105", "B1").deduction == Decimal(18)
