"""Each channel against a real server on loopback: e-mail through aiosmtpd, WeCom and
DingTalk robots through a local HTTP server that checks DingTalk's signature; a channel
that fails is retried with backoff, then listed failed, and the in-app notification stays."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from assess.accounts.models import User
from assess.core.enums import DeliveryChannel, DeliveryState, NotificationKind, SmtpSecurity
from assess.cycles import submissions
from assess.cycles.models import Submission
from assess.delivery import setup
from assess.delivery.channels import dingtalk_signature
from assess.delivery.models import Delivery
from tests.cycle_helpers import make_cycle, unit
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
    work_off,
)
from tests.delivery.servers import (
    Password,
    closed_port,
    expected_sign,
    robot_url,
    self_signed,
    smtp_port,
    start_tls_smtp,
)
from tests.notifications.helpers import hand_in, reporter_of, second_reporter, told


def test_a_returned_item_is_e_mailed_to_each_reporter_in_utf8(app, demo, db, smtp):
    controller, inbox = smtp
    email_on(smtp_port(controller))
    first, other = reporter_of("410105"), second_reporter("410105")
    setup.save_user_email(first, "zhang@example.gov.cn")
    setup.save_user_email(other, "li@example.gov.cn")
    cycle = make_cycle("open")
    hand_in(cycle, "410105")
    item = Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit("410105"),
        Submission.indicator_code == "A2",
    )
    inspector = User.get(User.username == "inspector")
    assert submissions.return_item(item, "台账不全，请补充会议纪要", item.version, inspector)

    assert len(deliveries(channel=DeliveryChannel.EMAIL)) == 2  # written with the return
    with app.app_context():
        assert work_off(app.config) == [DeliveryState.SENT, DeliveryState.SENT]

    received = {tuple(to): message for to, message in inbox.messages}
    assert set(received) == {("zhang@example.gov.cn",), ("li@example.gov.cn",)}
    message = received[("zhang@example.gov.cn",)]
    assert message["Subject"] == "【督查考核评分系统】指标被退回"
    assert message["From"].addresses[0].addr_spec == "assess@example.gov.cn"
    body = message.get_content()
    assert (
        f"{cycle.title}：指标 A2 协调会次数 被退回修改，退回原因：台账不全，请补充会议纪要" in body
    )
    assert message.get_content_charset() == "utf-8"
    assert all(d.state == DeliveryState.SENT and d.sent_at for d in deliveries())
    # the in-app notification is there as before
    assert [n.kind for n in told(first)] == [NotificationKind.ITEM_RETURNED]


def test_an_english_reader_gets_the_e_mail_in_english(app, demo, db, smtp):
    controller, inbox = smtp
    email_on(smtp_port(controller))
    reporter = reporter_of("410105")
    reporter.locale = "en"
    reporter.save()
    setup.save_user_email(reporter, "zhang@example.gov.cn")
    chase("410105")
    app.config["PUBLIC_URL"] = "https://assess.example.gov.cn/"
    with app.app_context():
        work_off(app.config)
    ((_to, message),) = inbox.messages
    assert message["Subject"].startswith("[") and "催报" not in message["Subject"]
    assert "https://assess.example.gov.cn/notifications/" in message.get_content()


def test_a_units_wecom_group_hears_its_news_once_however_many_reporters(app, demo, db, robot):
    state, server = robot
    robots_on()
    second_reporter("410105")
    unit_robots("410105", wecom=robot_url(server, f"/cgi-bin/webhook/send?key={WECOM_KEY}"))
    assert chase("410105") == 2  # two reporters told in the app

    assert len(deliveries(channel=DeliveryChannel.WECOM)) == 1
    with app.app_context():
        assert work_off(app.config) == [DeliveryState.SENT]
    ((path, content_type, body),) = state.posts
    assert path == f"/cgi-bin/webhook/send?key={WECOM_KEY}"
    assert content_type.startswith("application/json")
    assert body["msgtype"] == "text"
    assert "2026年度考核：领导小组办公室 催报：请于本周五前完成自评填报" in body["text"]["content"]
    # another unit's news does not reach this group
    chase("410102")
    assert len(deliveries(channel=DeliveryChannel.WECOM)) == 1


def _signed_group(robot, secret_entered: str):
    """A DingTalk group in signed mode with DING_SECRET, the unit's contact entered with
    ``secret_entered``, and a 催报 to that unit."""
    state, server = robot
    state.secret = DING_SECRET
    robots_on()
    unit_robots(
        "410105",
        dingtalk=robot_url(server, f"/robot/send?access_token={DING_TOKEN}"),
        secret=secret_entered,
    )
    chase("410105")
    return state


def test_dingtalk_signed_mode_is_accepted_with_the_right_secret(app, demo, db, robot):
    state = _signed_group(robot, DING_SECRET)
    with app.app_context():
        assert work_off(app.config) == [DeliveryState.SENT]
    ((path, _type, body),) = state.posts
    assert path.startswith(f"/robot/send?access_token={DING_TOKEN}&timestamp=")
    assert "请于本周五前完成自评填报" in body["text"]["content"]
    assert state.refused == []


def test_dingtalk_refuses_a_wrong_signature_and_it_ends_listed_failed(app, demo, db, robot, caplog):
    state = _signed_group(robot, "SECnot-the-groups-secret")
    (row,) = deliveries(channel=DeliveryChannel.DINGTALK)
    caplog.set_level(logging.INFO)
    with app.app_context():
        assert work_off(app.config) == [DeliveryState.PENDING]
        first = Delivery.get_by_id(row.id)
        assert first.attempts == 1 and "310000" in first.last_error
        assert first.last_error.startswith("群机器人拒收（地址、密钥或签名有误")
        until_settled(app.config, row.id)
    final = Delivery.get_by_id(row.id)
    assert final.state == DeliveryState.FAILED
    assert final.attempts == app.config["DELIVERY_MAX_ATTEMPTS"] == 5
    assert len(state.refused) == 5 and state.posts == []
    # the secrets are in neither the row nor the log
    logged = caplog.text
    for secret in (DING_TOKEN, "SECnot-the-groups-secret", DING_SECRET):
        assert secret not in final.last_error and secret not in logged
    assert "delivery" in logged and "310000" in logged
    # the in-app notification is untouched by the failure
    assert [n.kind for n in told(reporter_of("410105"))] == [NotificationKind.CHASE]


def test_the_signature_is_dingtalks(app):
    # DingTalk's documented example shape: base64(HMAC-SHA256(secret, "ts\nsecret")), URL-encoded
    from urllib.parse import unquote_plus

    assert unquote_plus(dingtalk_signature("SECabc", 1700000000000)) == expected_sign(
        "SECabc", "1700000000000"
    )


def test_a_closed_smtp_port_is_retried_with_backoff_then_failed(app, demo, db, caplog):
    email_on(closed_port())
    reporter = reporter_of("410105")
    setup.save_user_email(reporter, "zhang@example.gov.cn")
    chase("410105")
    (row,) = deliveries()
    caplog.set_level(logging.INFO)
    with app.app_context():
        work_off(app.config)
        after_one = Delivery.get_by_id(row.id)
        assert after_one.state == DeliveryState.PENDING and after_one.attempts == 1
        # not due again before its backoff: a worker scanning now takes nothing
        assert work_off(app.config, after_one.next_try - timedelta(seconds=1)) == []
        until_settled(app.config, row.id)
    final = Delivery.get_by_id(row.id)
    assert final.state == DeliveryState.FAILED and final.attempts == 5
    assert (
        final.last_error.startswith("无法连接发送服务器") and "SMTP 127.0.0.1" in final.last_error
    )
    assert SMTP_PASSWORD not in caplog.text
    assert len(told(reporter)) == 1


def test_a_robot_server_answering_500_fails_and_the_key_stays_out_of_the_log(
    app, demo, db, robot, caplog
):
    state, server = robot
    state.status = 500
    robots_on()
    unit_robots("410105", wecom=robot_url(server, f"/cgi-bin/webhook/send?key={WECOM_KEY}"))
    chase("410105")
    (row,) = deliveries()
    caplog.set_level(logging.INFO)
    with app.app_context():
        until_settled(app.config, row.id)
    final = Delivery.get_by_id(row.id)
    assert final.state == DeliveryState.FAILED
    assert final.last_error.startswith("群机器人拒收") and "500" in final.last_error
    assert WECOM_KEY not in final.last_error and WECOM_KEY not in caplog.text


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.SSL])
def test_e_mail_over_tls_with_a_login(app, demo, db, tmp_path, security):
    cert, key = self_signed(tmp_path)
    login = Password("assess", SMTP_PASSWORD)
    controller, inbox = start_tls_smtp(cert, key, login, implicit=security == SmtpSecurity.SSL)
    try:
        email_on(controller.port, smtp_security=security.value, smtp_user="assess")
        setup.save_user_email(reporter_of("410105"), "zhang@example.gov.cn")
        chase("410105")
        app.config["SMTP_CA_FILE"] = cert  # the server's own certificate is the CA here
        with app.app_context():
            assert work_off(app.config) == [DeliveryState.SENT]
    finally:
        controller.stop()
    ((_to, message),) = inbox.messages
    assert "请于本周五前完成自评填报" in message.get_content()
    assert login.tried[-1][1] is True


def test_an_untrusted_certificate_is_refused(app, demo, db, tmp_path):
    cert, key = self_signed(tmp_path)
    controller, inbox = start_tls_smtp(cert, key, Password("assess", SMTP_PASSWORD))
    try:
        email_on(controller.port, smtp_security=SmtpSecurity.STARTTLS.value, smtp_user="assess")
        setup.save_user_email(reporter_of("410105"), "zhang@example.gov.cn")
        chase("410105")
        with app.app_context():
            assert work_off(app.config) == [DeliveryState.PENDING]
    finally:
        controller.stop()
    assert inbox.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in deliveries()[0].last_error
