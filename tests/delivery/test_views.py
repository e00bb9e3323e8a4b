"""The delivery pages: the office's channels, defaults, unit contacts and failed list with
its retry, each person's 接收设置; no secret is shown back on any page or in the audit log;
other roles are refused; forms need their CSRF token."""

from __future__ import annotations

import re

from assess.core.enums import DeliveryState, NotificationKind
from assess.core.models import AuditEntry
from assess.delivery import preferences, setup
from assess.delivery.models import ChannelSettings, Delivery, UnitContact
from tests.conftest import make_app
from tests.cycle_helpers import unit
from tests.delivery.helpers import (
    DING_SECRET,
    DING_TOKEN,
    SMTP_PASSWORD,
    WECOM_KEY,
    chase,
    deliveries,
    email_on,
    robots_on,
    unit_robots,
    until_settled,
)
from tests.delivery.servers import closed_port
from tests.helpers import count_queries
from tests.notifications.helpers import audited, reporter_of, told

CHASE = NotificationKind.CHASE.value
SECRETS = (SMTP_PASSWORD, WECOM_KEY, DING_TOKEN, DING_SECRET)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_office_sets_up_email_and_the_password_is_never_shown_back(app, as_user, db):
    office = as_user("admin")
    form = {
        "email_enabled": "y",
        "smtp_host": "smtp.example.gov.cn",
        "smtp_port": "465",
        "smtp_security": "ssl",
        "smtp_user": "assess",
        "smtp_password": SMTP_PASSWORD,
        "smtp_from": "assess@example.gov.cn",
    }
    assert office.post("/admin/delivery/", data=form).status_code == 302
    stored = ChannelSettings.get_by_id(1)
    assert (stored.smtp_host, stored.smtp_port, stored.smtp_password) == (
        "smtp.example.gov.cn",
        465,
        SMTP_PASSWORD,
    )
    page = _text(office.get("/admin/delivery/"))
    assert SMTP_PASSWORD not in page and "***9876" not in page  # short tail only: -secret
    assert "已保存" in page and "smtp.example.gov.cn" in page
    # saving again with the password left blank keeps it
    office.post("/admin/delivery/", data=form | {"smtp_password": "", "smtp_port": "587"})
    stored = ChannelSettings.get_by_id(1)
    assert stored.smtp_password == SMTP_PASSWORD and stored.smtp_port == 587
    (first, second) = audited("delivery.settings")
    assert '"smtp_password": "已设置"' in first.after and "smtp_password" not in second.after
    # clearing it is a tick
    office.post("/admin/delivery/", data=form | {"smtp_password": "", "clear_smtp_password": "y"})
    assert ChannelSettings.get_by_id(1).smtp_password == ""
    assert '"smtp_password": "已清除"' in audited("delivery.settings")[-1].after


def test_a_units_robots_are_stored_masked_and_nowhere_in_pages_or_the_audit(app, as_user, db):
    office = as_user("admin")
    county = unit("410105")
    data = {
        "email": "jinshui@example.gov.cn",
        "wecom_webhook": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "dingtalk_webhook": f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
        "dingtalk_secret": DING_SECRET,
    }
    assert office.post(f"/admin/delivery/units/{county.id}", data=data).status_code == 302
    contact = UnitContact.get(UnitContact.unit == county.id)
    assert contact.wecom_webhook.endswith(WECOM_KEY) and contact.dingtalk_secret == DING_SECRET
    pages = [
        _text(office.get(f"/admin/delivery/units/{county.id}")),
        _text(office.get("/admin/delivery/units")),
        _text(office.get("/audit/")),
    ]
    for page in pages:
        for secret in SECRETS:
            assert secret not in page
    assert "qyapi.weixin.qq.com" in pages[0] and "jinshui@example.gov.cn" in pages[1]
    assert "企业微信群机器人" in pages[1]
    for entry in AuditEntry.select():
        for secret in SECRETS:
            assert secret not in entry.after + entry.before
    # a blank field keeps the stored robot; the e-mail can change alone
    office.post(f"/admin/delivery/units/{county.id}", data={"email": "new@example.gov.cn"})
    contact = UnitContact.get(UnitContact.unit == county.id)
    assert contact.email == "new@example.gov.cn" and contact.dingtalk_secret == DING_SECRET


def test_a_bad_webhook_or_address_is_refused_in_chinese(app, as_user, db):
    office = as_user("admin")
    county = unit("410105")
    response = office.post(
        f"/admin/delivery/units/{county.id}",
        data={"email": "not-an-address", "wecom_webhook": "ftp://x"},
    )
    page = _text(response)
    assert "请填写有效的电子邮件地址" in page and "请填写以 https:// 开头的机器人地址" in page
    assert UnitContact.select().count() == 0


def test_the_office_sets_the_defaults_per_kind(app, as_user, db):
    office = as_user("admin")
    ticks = [f"{k.value}/{c}" for k in NotificationKind for c in ("email", "wecom", "dingtalk")]
    ticks.remove(f"{CHASE}/wecom")
    assert office.post("/admin/delivery/defaults", data={"on": ticks}).status_code == 302
    chosen = preferences.defaults()
    assert chosen[(CHASE, "wecom")] is False and chosen[(CHASE, "email")] is True
    assert len(audited("delivery.defaults")) == 1
    page = _text(office.get("/admin/delivery/"))
    ticked = {
        m[1]: "checked" in m[0] for m in re.finditer(r'<input[^>]*value="([^"]+)"[^>]*>', page)
    }
    assert ticked[f"{CHASE}/wecom"] is False and ticked[f"{CHASE}/email"] is True


def test_a_person_sets_an_address_and_chooses_per_kind(app, as_user, db):
    reporter_client = as_user("r-410105")
    page = _text(reporter_client.get("/account/notifications"))
    assert "接收设置" in page and "站内消息始终发送" in page
    ticks = [f"{k.value}/email" for k in NotificationKind if k != NotificationKind.CHASE]
    response = reporter_client.post(
        "/account/notifications", data={"email": "zhang@example.gov.cn", "on": ticks}
    )
    assert response.status_code == 302
    reporter = reporter_of("410105")
    assert setup.user_email(reporter) == "zhang@example.gov.cn"
    mine = preferences.of_user(reporter)
    assert mine[(CHASE, "email")] is False
    assert mine[(NotificationKind.ITEM_RETURNED.value, "email")] is True
    # the account menu links to it on every page
    assert 'href="/account/notifications"' in _text(reporter_client.get("/"))


def test_failed_deliveries_are_listed_for_the_office_and_retried(app, as_user, db):
    office = as_user("admin")
    email_on(closed_port())
    robots_on()
    reporter = reporter_of("410105")
    setup.save_user_email(reporter, "zhang@example.gov.cn")
    unit_robots("410105", wecom=f"http://127.0.0.1:{closed_port()}/send?key={WECOM_KEY}")
    chase("410105")
    with app.app_context():
        for row in deliveries():
            until_settled(app.config, row.id)
    assert {d.state for d in deliveries()} == {DeliveryState.FAILED}

    with count_queries() as queries:
        page = _text(office.get("/admin/delivery/failed"))
    assert "发送失败的消息" in page and "电子邮件" in page and "企业微信群机器人" in page
    assert reporter.label in page and unit("410105").name in page
    for secret in SECRETS:
        assert secret not in page
    # the notification itself reached the reporter in the app
    assert [n.kind for n in told(reporter)] == [CHASE]
    # as many queries for more failed deliveries: each row's person and unit come joined
    chase("410105")
    with app.app_context():
        for row in deliveries(state=DeliveryState.PENDING):
            until_settled(app.config, row.id)
    assert len(deliveries(state=DeliveryState.FAILED)) == 4
    before = queries()
    with count_queries() as queries:
        assert "发送失败的消息" in _text(office.get("/admin/delivery/failed"))
    assert queries() == before
    # the office's home says so, with the count, and leads to the list
    home = _text(office.get("/"))
    assert "消息发送失败" in home and 'href="/admin/delivery/failed"' in home
    assert f"<strong>{len(deliveries())}</strong>条电子邮件或群机器人消息" in home

    failed = deliveries()[0]
    assert office.post(f"/admin/delivery/failed/{failed.id}/retry").status_code == 302
    again = Delivery.get_by_id(failed.id)
    assert again.state == DeliveryState.PENDING and again.attempts == 0
    (entry,) = audited("delivery.retry")
    assert reporter.label in entry.after
    # a delivery not failed is not retried
    office.post(f"/admin/delivery/failed/{failed.id}/retry")
    assert len(audited("delivery.retry")) == 1
    left = len(deliveries()) - 1
    assert f"<strong>{left}</strong>条电子邮件或群机器人消息" in _text(office.get("/"))
    assert office.post("/admin/delivery/failed/999999/retry").status_code == 404


def test_only_the_office_reaches_the_channel_pages(app, as_user, db):
    for name in ("r-410105", "inspector", "viewer"):
        client = as_user(name)
        for path in ("/admin/delivery/", "/admin/delivery/units", "/admin/delivery/failed"):
            assert client.get(path).status_code == 403, (name, path)
        assert client.post("/admin/delivery/defaults", data={"on": []}).status_code == 403
        assert client.get("/account/notifications").status_code == 200
    assert preferences.defaults()[(CHASE, "email")] is True  # nothing was saved


def test_the_forms_need_their_csrf_token(database_url, tmp_path, demo):
    from assess.delivery.models import UserContact
    from assess.demo.units import DEMO_PASSWORD

    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    signed_in = client.post(
        "/auth/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/delivery/").status_code == 200
    client.post("/admin/delivery/", data={"email_enabled": "y", "smtp_port": "25"})
    client.post("/admin/delivery/defaults", data={"on": []})
    client.post("/account/notifications", data={"email": "x@example.gov.cn"})
    assert ChannelSettings.select().count() == 0
    assert UserContact.select().count() == 0
    assert preferences.defaults()[(CHASE, "email")] is True
