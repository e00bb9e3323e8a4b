"""The bell, the list and reading one: a person sees only their own notifications; 全部标为
已读 needs the form's CSRF token; and the office's 催报 page, audited, refused to others."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import NotificationKind
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.notifications import store
from assess.notifications.models import Notification
from tests.conftest import login, make_app
from tests.cycle_helpers import make_cycle, unit
from tests.notifications.helpers import audited, hand_in, reporter_of, told


def _tell(user: User, n: int = 1, **params) -> list[Notification]:
    with database.atomic():
        for i in range(n):
            store.notify(
                [user],
                NotificationKind.CHASE,
                {"cycle": "2026 测试周期", "sender": "办公室", "message": f"第{i + 1}条"} | params,
                store.target("cycles.index"),
            )
    return told(user)


def _bell(html: str) -> str:
    """What the bell says, as a screen reader reads it: its words, the number and the words
    hidden beside it."""
    inner = re.search(r'<a class="bell[^"]*" href="/notifications/">(.*?)</a>', html, re.S)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", inner).split())


def test_the_bell_counts_the_signed_in_users_unread(as_user, db):
    client = as_user("r-410105")
    assert _bell(client.get("/").text) == "消息通知 没有未读消息"
    _tell(reporter_of("410105"), 3)
    _tell(reporter_of("410102"), 5)  # another person's do not count
    page = client.get("/").text
    assert _bell(page) == "消息通知 3 条未读"
    assert '<span class="bell-count">3</span>' in page


def test_the_list_is_newest_first_marks_unread_and_pages(app, as_user, db):
    client = as_user("r-410105")
    _tell(reporter_of("410105"), int(app.config["PAGE_SIZE"]) + 2)
    first = client.get("/notifications/")
    assert first.status_code == 200
    texts = re.findall(r"催报：(第\d+条)", first.text)
    assert texts[0] == f"第{int(app.config['PAGE_SIZE']) + 2}条"  # newest first
    assert len(texts) == int(app.config["PAGE_SIZE"])
    assert first.text.count('class="unread"') == len(texts)
    assert "第 1 / 2 页" in first.text
    second = client.get("/notifications/?page=2")
    assert re.findall(r"催报：(第\d+条)", second.text) == ["第2条", "第1条"]


def test_following_a_notification_marks_it_read_and_goes_to_its_page(as_user, db):
    client = as_user("r-410105")
    note, other = _tell(reporter_of("410105"), 2)
    response = client.get(f"/notifications/{note.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/cycles/"
    assert Notification.get_by_id(note.id).read_at is not None
    assert Notification.get_by_id(other.id).read_at is None
    assert _bell(client.get("/").text) == "消息通知 1 条未读"


def test_another_persons_notification_is_not_found(as_user, db):
    (theirs,) = _tell(reporter_of("410102"))
    for name in ("r-410105", "admin"):
        assert as_user(name).get(f"/notifications/{theirs.id}").status_code == 404
    assert Notification.get_by_id(theirs.id).read_at is None
    assert "第1条" not in as_user("r-410105").get("/notifications/").text
    assert as_user("r-410105").get("/notifications/999999").status_code == 404


def test_mark_all_read_only_the_readers_own(as_user, db):
    client = as_user("r-410105")
    _tell(reporter_of("410105"), 2)
    _tell(reporter_of("410102"), 1)
    response = client.post("/notifications/read-all")
    assert response.status_code == 302
    assert all(n.read_at for n in told(reporter_of("410105")))
    assert [n.read_at for n in told(reporter_of("410102"))] == [None]


def _signed_in_with_csrf(database_url, tmp_path, username: str):
    """A client of an app with CSRF on (as served), signed in through the login form."""
    from assess.demo.units import DEMO_PASSWORD

    client = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True).test_client()
    token = _token(client.get("/auth/login").text)
    client.post(
        "/auth/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


def test_mark_all_read_needs_the_csrf_token(database_url, tmp_path, db, demo):
    """A post without the page's token changes nothing."""
    client = _signed_in_with_csrf(database_url, tmp_path, "r-410105")
    _tell(reporter_of("410105"), 2)
    refused = client.post("/notifications/read-all")
    assert refused.status_code == 400
    assert not any(n.read_at for n in told(reporter_of("410105")))
    token = _token(client.get("/notifications/").text)
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert all(n.read_at for n in told(reporter_of("410105")))


def test_a_chase_needs_the_csrf_token(database_url, tmp_path, db, demo):
    client = _signed_in_with_csrf(database_url, tmp_path, "admin")
    cycle = make_cycle("open")
    data = {"units": [unit("410105").id], "message": "请提交"}
    assert client.post(f"/notifications/chase/{cycle.id}", data=data).status_code == 400
    assert Notification.select().count() == 0 and audited("notification.chase") == []
    token = _token(client.get(f"/notifications/chase/{cycle.id}").text)
    sent = client.post(f"/notifications/chase/{cycle.id}", data=data | {"csrf_token": token})
    assert sent.status_code == 302 and len(audited("notification.chase")) == 1


def test_a_notification_of_a_kind_this_code_does_not_know_reads_as_a_system_message(as_user, db):
    with database.atomic():
        Notification.create(user=reporter_of("410105"), kind="appeal_answered", params="{}")
    assert "系统消息" in as_user("r-410105").get("/notifications/").text


def test_the_office_chases_chosen_units_and_it_is_audited(as_user, db):
    admin = as_user("admin")
    cycle = make_cycle("open", self_report_due=local_today() + timedelta(days=5))
    hand_in(cycle, "410102")
    page = admin.get(f"/notifications/chase/{cycle.id}")
    assert page.status_code == 200 and "发送催报" in page.text
    assert f"/notifications/chase/{cycle.id}" in admin.get(f"/cycles/{cycle.id}").text
    # the units still owing are ticked to begin with, the one that handed in is not
    assert re.search(rf'value="{unit("410105").id}" id="unit-\d+" checked', page.text)
    assert not re.search(rf'value="{unit("410102").id}" id="unit-\d+" checked', page.text)

    chosen = [unit("410105").id, unit("410102").id]
    response = admin.post(
        f"/notifications/chase/{cycle.id}", data={"units": chosen, "message": "请于周五前提交"}
    )
    assert response.status_code == 302
    for code in ("410105", "410102"):
        (note,) = told(reporter_of(code), NotificationKind.CHASE)
        assert json.loads(note.params)["message"] == "请于周五前提交"
    assert told(reporter_of("410103")) == []
    (entry,) = audited("notification.chase")
    assert json.loads(entry.after) == {
        "units": ["中原区", "金水区"],
        "message": "请于周五前提交",
        "recipients": 2,
    }
    # the audit log names the action in words, not by its code
    log = admin.get("/audit/?action=notification.chase").text
    assert re.search(r"<td>admin</td><td>催报</td><td>考核周期 ", log), log[-3000:]
    assert "<td>notification.chase</td>" not in log


def test_a_chase_without_units_or_message_is_refused(as_user, db):
    admin = as_user("admin")
    cycle = make_cycle("open")
    for data in ({"message": "请提交"}, {"units": [unit("410105").id], "message": " "}):
        response = admin.post(f"/notifications/chase/{cycle.id}", data=data)
        assert response.status_code == 200
        assert "请选择要催报的单位" in response.text or "请填写催报内容" in response.text
    assert Notification.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "notification.chase").exists()


def test_a_reporter_may_not_chase(as_user, db):
    cycle = make_cycle("open")
    reporter = as_user("r-410105")
    assert reporter.get(f"/notifications/chase/{cycle.id}").status_code == 403
    response = reporter.post(
        f"/notifications/chase/{cycle.id}", data={"units": [unit("410102").id], "message": "x"}
    )
    assert response.status_code == 403
    assert Notification.select().count() == 0
    assert (
        f"/notifications/chase/{cycle.id}"
        not in as_user("inspector").get(f"/cycles/{cycle.id}").text
    )


def test_signed_out_the_list_asks_to_sign_in(client, demo):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert login(client, "r-410105").status_code == 302


def test_a_chase_to_a_unit_outside_the_cycle_is_refused(as_user, db):
    admin = as_user("admin")
    cycle = make_cycle("open")
    city = unit("zz")  # the city is never assessed
    response = admin.post(
        f"/notifications/chase/{cycle.id}", data={"units": [city.id], "message": "请提交"}
    )
    assert response.status_code == 200 and "所选单位不参加本周期考核" in response.text
    assert Notification.select().count() == 0


def test_the_list_reads_in_the_readers_language(as_user, db):
    """The sentence is rendered when it is read: the same row reads in English there."""
    client = as_user("r-410105")
    _tell(reporter_of("410105"))
    client.post("/lang/en")
    page = client.get("/notifications/").text
    assert "2026 测试周期: reminder from 办公室: 第1条" in page
    assert ">Notifications<" in page and "Mark all as read" in page
