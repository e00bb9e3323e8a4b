"""Helpers for the delivery tests: the office's channels set up, an event that notifies a
unit, and the outbox worked off as a worker would."""

from __future__ import annotations

from datetime import datetime, timedelta

from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import DeliveryState, NotificationKind, SmtpSecurity
from assess.core.models import utcnow
from assess.delivery import outbox, setup
from assess.delivery.models import Delivery
from assess.delivery.setup import SecretChange
from assess.notifications import store
from tests.cycle_helpers import unit

SMTP_PASSWORD = "smtp-P@ss-9876-secret"
WECOM_KEY = "wecom-key-3f9a1c77"
DING_TOKEN = "ding-token-b42e9d01"
DING_SECRET = "SECdingtalk-sign-secret-5c1e"


def admin() -> User:
    return User.get(User.username == "admin")


def email_on(port: int, host: str = "127.0.0.1", **extra) -> None:
    """E-mail through the test's SMTP server (no TLS on loopback), with a password stored."""
    plain = {
        "email_enabled": True,
        "smtp_host": host,
        "smtp_port": port,
        "smtp_security": SmtpSecurity.NONE.value,
        "smtp_from": "assess@example.gov.cn",
    } | extra
    setup.save_settings(plain, {"smtp_password": SecretChange(SMTP_PASSWORD)}, admin())


def robots_on() -> None:
    setup.save_settings({"wecom_enabled": True, "dingtalk_enabled": True}, {}, admin())


def unit_robots(code: str, wecom: str = "", dingtalk: str = "", secret: str = "", email=""):
    secrets = {
        "wecom_webhook": SecretChange(wecom),
        "dingtalk_webhook": SecretChange(dingtalk),
        "dingtalk_secret": SecretChange(secret),
    }
    setup.save_unit_contact(unit(code), {"email": email}, secrets, admin())


def chase(code: str, message: str = "请于本周五前完成自评填报") -> int:
    """A 催报 to one unit's reporters, in its own transaction (as the service writes it)."""
    with database.atomic():
        return store.notify_unit(
            unit(code).id,
            NotificationKind.CHASE,
            {"cycle": "2026年度考核", "sender": "领导小组办公室", "message": message},
            store.target("notifications.index"),
        )


def deliveries(**where) -> list[Delivery]:
    query = Delivery.select().order_by(Delivery.id)
    for name, value in where.items():
        query = query.where(getattr(Delivery, name) == value)
    return list(query)


def work_off(config, now: datetime | None = None) -> list[str | None]:
    """Send every delivery due at ``now``, as one worker would."""
    now = now or utcnow()
    return [outbox.send(i, config, now) for i in outbox.due(now)]


def until_settled(config, delivery_id: int, start: datetime | None = None) -> datetime:
    """Try ``delivery_id`` each time its backoff has passed until it is sent or failed;
    return the moment of the last try (no waiting: the clock is an argument)."""
    now = start or utcnow()
    for _ in range(20):
        row = Delivery.get_by_id(delivery_id)
        if row.state != DeliveryState.PENDING:
            return now
        now = max(now, row.next_try) + timedelta(seconds=1)
        outbox.send(delivery_id, config, now)
    raise AssertionError("never settled")
