"""The outbox: written in the notification's transaction (a rolled-back event sends
nothing), shaped by the office's defaults and each person's choices, sent once by any
number of workers, and worked off by the queue's tasks."""

from __future__ import annotations

import pytest

from assess.core.db import database
from assess.core.enums import DeliveryChannel, DeliveryState, NotificationKind
from assess.core.models import utcnow
from assess.cycles import lifecycle
from assess.delivery import channels, outbox, preferences, setup, tasks
from assess.delivery.models import Delivery
from assess.notifications.models import Notification
from tests.conftest import migrated_app
from tests.delivery.helpers import (
    admin,
    chase,
    deliveries,
    email_on,
    robots_on,
    unit_robots,
    until_settled,
    work_off,
)
from tests.delivery.servers import robot_url, smtp_port
from tests.helpers import at_once, command
from tests.notifications.helpers import reporter_of, second_reporter

CHASE = NotificationKind.CHASE.value


def one_email_queued(controller) -> None:
    """E-mail on through ``controller``, one reporter with an address, and a 催报 to them."""
    email_on(smtp_port(controller))
    setup.save_user_email(reporter_of("410105"), "zhang@example.gov.cn")
    chase("410105")


def test_nothing_is_queued_while_the_office_has_set_up_no_channel(app, demo, db):
    setup.save_user_email(reporter_of("410105"), "zhang@example.gov.cn")
    chase("410105")
    assert deliveries() == []


def test_a_rolled_back_event_leaves_no_delivery(app, demo, db, smtp):
    email_on(smtp_port(smtp[0]))
    setup.save_user_email(reporter_of("410105"), "zhang@example.gov.cn")
    with pytest.raises(RuntimeError, match="refused"), database.atomic():
        chase("410105")
        raise RuntimeError("refused after notifying")
    assert deliveries() == [] and Notification.select().count() == 0
    chase("410105")
    assert len(deliveries()) == 1


def test_a_person_who_turns_e_mail_off_for_a_kind_gets_none_of_it(app, demo, db, smtp):
    email_on(smtp_port(smtp[0]))
    quiet, keen = reporter_of("410105"), second_reporter("410105")
    for user in (quiet, keen):
        setup.save_user_email(user, f"{user.username}@example.gov.cn")
    assert preferences.save_for_user(quiet, {(CHASE, "email"): False}) == 1
    chase("410105")
    assert [d.user_id for d in deliveries()] == [keen.id]
    # both still have the in-app notification: it is always on
    assert Notification.select().where(Notification.kind == CHASE).count() == 2


def test_the_offices_default_decides_for_those_who_chose_nothing(app, demo, db, smtp, robot):
    email_on(smtp_port(smtp[0]))
    robots_on()
    reporter, own = reporter_of("410105"), second_reporter("410105")
    setup.save_user_email(reporter, "zhang@example.gov.cn")
    setup.save_user_email(own, "li@example.gov.cn")
    preferences.save_for_user(own, {(CHASE, "email"): True})
    unit_robots("410105", wecom=robot_url(robot[1], "/send?key=k1"), email="unit@example.gov.cn")
    preferences.save_defaults({(CHASE, "email"): False, (CHASE, "wecom"): False}, None)

    chase("410105")
    sent = {(d.channel, d.user_id, d.unit_id) for d in deliveries()}
    # the reporter follows the default (off), the other chose e-mail; the unit's mailbox and
    # robot follow the default: the mailbox off with e-mail, the robot off
    assert sent == {(DeliveryChannel.EMAIL.value, own.id, None)}


def test_two_workers_sending_the_same_delivery_send_it_once(app, demo, db, smtp):
    controller, inbox = smtp
    one_email_queued(controller)
    (row,) = deliveries()
    now = utcnow()

    def send():
        with app.app_context():
            return outbox.send(row.id, app.config, now)

    results = at_once(send)
    assert results.count(DeliveryState.SENT) == 1 and results.count(None) == 1
    assert len(inbox.messages) == 1
    assert deliveries()[0].attempts == 1


def test_a_worker_that_died_holding_a_claim_lets_it_go_after_the_lease(app, demo, db, smtp):
    controller, inbox = smtp
    one_email_queued(controller)
    (row,) = deliveries()
    now = utcnow()
    assert outbox.claim(row.id, now)  # …and the worker is killed before sending
    with app.app_context():
        assert work_off(app.config, now) == []
        assert work_off(app.config, now + outbox.LEASE) == [DeliveryState.SENT]
    assert len(inbox.messages) == 1


def test_a_slow_send_whose_lease_ran_out_never_overwrites_the_later_tries_result(
    app, demo, db, smtp, monkeypatch
):
    """Worker 1 is still in its send when its lease runs out; worker 2 claims the row and
    sends it. Worker 1's failure, coming last, must not turn the sent row back."""
    controller, inbox = smtp
    one_email_queued(controller)
    (row,) = deliveries()
    now = utcnow()
    real = outbox._transmit
    later = now + outbox.lease(app.config)

    def slow_then_failing(*args):
        monkeypatch.setattr(outbox, "_transmit", real)
        assert outbox.send(row.id, app.config, later) == DeliveryState.SENT  # worker 2
        raise channels.ChannelError("SMTP: timed out")  # worker 1, at last

    monkeypatch.setattr(outbox, "_transmit", slow_then_failing)
    with app.app_context():
        outbox.send(row.id, app.config, now)
    again = Delivery.get_by_id(row.id)
    assert again.state == DeliveryState.SENT and again.attempts == 2 and again.last_error == ""
    assert len(inbox.messages) == 1


def test_the_lease_outlives_the_slowest_send_of_a_long_timeout(app):
    assert outbox.lease({"DELIVERY_TIMEOUT": 10}) == outbox.LEASE
    assert outbox.lease({"DELIVERY_TIMEOUT": 60}).total_seconds() == 60 * outbox.LEASE_TIMEOUTS


@pytest.mark.parametrize(
    "webhook",
    [
        "http://127.0.0.1:44x/cgi-bin/webhook/send?key=wecom-key-3f9a1c77",  # InvalidURL
        "http://[::1/send?key=wecom-key-3f9a1c77",  # ValueError from urllib
    ],
)
def test_a_webhook_the_http_client_cannot_use_ends_failed_and_listed(app, demo, db, webhook):
    """Not an OSError: these once escaped the channel and left the row pending for ever."""
    robots_on()
    unit_robots("410105", wecom=webhook)
    chase("410105")
    (row,) = deliveries()
    with app.app_context():
        until_settled(app.config, row.id)
    row = Delivery.get_by_id(row.id)
    assert row.state == DeliveryState.FAILED
    assert row.last_error.startswith("机器人地址无法使用，请检查")
    assert row.attempts == app.config.get("DELIVERY_MAX_ATTEMPTS", 5)
    assert "wecom-key-3f9a1c77" not in row.last_error


def test_a_missing_ca_file_is_the_channels_failure_not_the_workers(app, demo, db, smtp):
    controller, _inbox = smtp
    app.config["SMTP_CA_FILE"] = "/nonexistent/office-ca.pem"
    one_email_queued(controller)
    email_on(smtp_port(controller), smtp_security="starttls")
    (row,) = deliveries()
    with app.app_context():
        until_settled(app.config, row.id)
    row = Delivery.get_by_id(row.id)
    assert row.state == DeliveryState.FAILED and row.last_error


def test_an_unforeseen_error_is_counted_and_the_row_ends_failed(app, demo, db, smtp, monkeypatch):
    controller, _inbox = smtp
    one_email_queued(controller)
    (row,) = deliveries()

    def broken(*args):
        raise KeyError("no such template variable")

    monkeypatch.setattr(outbox, "_transmit", broken)
    with app.app_context():
        until_settled(app.config, row.id)
    row = Delivery.get_by_id(row.id)
    assert row.state == DeliveryState.FAILED and "KeyError" in row.last_error
    assert row.last_error.startswith("发送时出错，详情已记入系统日志")


def test_the_queue_dispatches_each_due_delivery_as_a_task(database_url, tmp_path, demo, smtp):
    app = migrated_app(database_url, tmp_path, QUEUE_IMMEDIATE=True)
    controller, inbox = smtp
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            email_on(smtp_port(controller))
            for user in (reporter_of("410105"), second_reporter("410105")):
                setup.save_user_email(user, f"{user.username}@example.gov.cn")
            chase("410105")
            assert tasks.dispatch_deliveries.call_local() == 2
            assert tasks.dispatch_deliveries.call_local() == 0  # nothing left due
        finally:
            database.close()
    assert len(inbox.messages) == 2


def test_assess_deliver_sends_what_is_due_from_the_command_line(app, demo, db, smtp, monkeypatch):
    controller, inbox = smtp
    one_email_queued(controller)
    done = command(monkeypatch, app, "deliver")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "已发送 1 条，失败 0 条，待重试 0 条"
    assert len(inbox.messages) == 1
    assert (
        command(monkeypatch, app, "deliver").output.strip() == "已发送 0 条，失败 0 条，待重试 0 条"
    )


def test_a_cycle_opening_reaches_each_units_robot_once_and_its_reporters_by_e_mail(
    app, demo, db, smtp, robot
):
    from tests.cycle_helpers import make_cycle

    email_on(smtp_port(smtp[0]))
    robots_on()
    unit_robots("410105", wecom=robot_url(robot[1], "/send?key=k1"))
    unit_robots("410102", wecom=robot_url(robot[1], "/send?key=k2"))
    reporter = reporter_of("410105")
    setup.save_user_email(reporter, "zhang@example.gov.cn")
    cycle = make_cycle("draft")
    lifecycle.transition(cycle, "open", admin())  # every unit's reporters are told at once

    opened = NotificationKind.CYCLE_OPENED.value
    sent = sorted(
        (d.channel, d.user_id or 0, d.unit.code if d.unit_id else "")
        for d in deliveries(kind=opened)
    )
    assert sent == [
        (DeliveryChannel.EMAIL.value, reporter.id, ""),
        (DeliveryChannel.WECOM.value, 0, "410102"),
        (DeliveryChannel.WECOM.value, 0, "410105"),
    ]


def test_a_notice_to_every_unit_queues_its_deliveries_in_a_fixed_number_of_queries(
    app, demo, db, smtp, robot
):
    """Inside the event's write transaction: as many queries for every unit as for two."""
    from assess.notifications import store
    from assess.units.models import Unit
    from tests.helpers import count_queries

    email_on(smtp_port(smtp[0]))
    robots_on()
    units = list(Unit.select().where(Unit.kind == "county").order_by(Unit.code))
    for n, u in enumerate(units):
        unit_robots(u.code, wecom=robot_url(robot[1], f"/send?key=k{n}"), email=f"u{n}@gov.cn")
        setup.save_user_email(reporter_of(u.code), f"r{n}@gov.cn")

    def notice(unit_ids) -> int:
        with count_queries() as queries, database.atomic():
            store.notify_units(unit_ids, NotificationKind.CHASE, {"cycle": "2026", "message": "请"})
        return queries()

    few, every = notice([u.id for u in units[:2]]), notice([u.id for u in units])
    assert few == every, (few, every)
    per_unit = len(deliveries()) // (2 + len(units))
    assert per_unit == 3  # the reporter's e-mail, the unit's mailbox and its robot
