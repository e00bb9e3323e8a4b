"""The outbox (投递): deliveries written with their notification, sent by the queue.

``queue_deliveries`` runs inside the notification's transaction (``notifications.store``),
so a rolled-back event sends nothing and a committed one leaves its rows for the workers.
``send`` is the worker's half: it claims a row with one conditional UPDATE (moving
``next_try`` a lease ahead), so with any number of workers one of them sends it; a worker
that dies holding a claim lets the lease run out and the row is sent again (at least once,
never twice while workers live). A failure is retried with backoff, then recorded failed
for the office's list; the in-app notification was written before and stays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import DeliveryChannel, DeliveryState
from assess.core.labels import notification_kind_label
from assess.core.models import utcnow
from assess.core.notification_texts import render
from assess.delivery import channels, preferences
from assess.delivery.models import ChannelSettings, Delivery, UnitContact, UserContact
from assess.delivery.secrets import cleaned
from assess.delivery.setup import current_settings
from assess.units.models import Unit

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # at least; longer still with a long DELIVERY_TIMEOUT
# DELIVERY_TIMEOUT bounds each socket operation, and an e-mail takes several (connect,
# EHLO, STARTTLS, login, send …): a claim lasts this many timeouts, so that it outlives the
# slowest send its worker may still be in.
LEASE_TIMEOUTS = 12
BACKOFF_CAP = timedelta(hours=6)


SWITCHED_OFF, NO_ADDRESS, UNFORESEEN = "switched_off", "no_address", "unforeseen"
# What the office's failed list says first, in its words; the channel's own text follows.
PROBLEM_TEXTS = {
    channels.UNREACHABLE: _l("无法连接发送服务器（网络、端口、超时或加密设置）"),
    channels.REJECTED: _l("邮件服务器拒绝（用户名或密码、发件人或收件人地址有误）"),
    channels.ROBOT_REFUSED: _l("群机器人拒收（地址、密钥或签名有误，或发送过于频繁）"),
    channels.MISCONFIGURED: _l("机器人地址无法使用，请检查"),
    SWITCHED_OFF: _l("该渠道已被关闭"),
    NO_ADDRESS: _l("收件人已没有该渠道的地址"),
    UNFORESEEN: _l("发送时出错，详情已记入系统日志"),
}


def problem_text(problem: str, detail: str) -> str:
    """The sentence stored and listed for a failed try: the problem in Chinese, then the
    channel's own (cleaned) words for whoever sets the channel up."""
    return f"{PROBLEM_TEXTS.get(problem, PROBLEM_TEXTS[UNFORESEEN])}（{detail}）"


class DeliveryError(Exception):
    """A retry refused (the delivery is not failed); the message is for people."""


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 4, 16, 64 minutes …, at most 6 h."""
    return min(timedelta(minutes=4 ** max(0, attempts - 1)), BACKOFF_CAP)


def _ready(settings: ChannelSettings) -> dict[str, bool]:
    return {
        DeliveryChannel.EMAIL: bool(
            settings.email_enabled and settings.smtp_host and settings.smtp_from
        ),
        DeliveryChannel.WECOM: bool(settings.wecom_enabled),
        DeliveryChannel.DINGTALK: bool(settings.dingtalk_enabled),
    }


@dataclass(frozen=True)
class Audience:
    """Who one notification goes out to: people (each by their own address) and, for a
    unit's notification, the unit (its mailbox and robots), with the notification's link."""

    users: list
    unit_id: int | None = None
    link: str = ""


def queue_deliveries(users: Iterable, kind: str, params: str, link: str, unit_id=None) -> int:
    """Write the deliveries a notification of ``kind`` calls for; return how many. To each
    of ``users`` who gave an e-mail address and wants this kind by e-mail; and, for a
    unit's notification (``unit_id``), once to each of the unit's mailbox and robots the
    office's defaults allow. Nothing while the office has set up no channel (one query)."""
    return queue_deliveries_to([Audience(list(users), unit_id, link)], kind, params)


def queue_deliveries_to(audiences: Iterable[Audience], kind: str, params: str) -> int:
    """``queue_deliveries`` for many audiences at once (a cycle's units when it opens): a
    fixed number of queries however many units and people, inside the notification's
    transaction, so the event's write lock is held no longer for a province than a county."""
    if not database.in_transaction():
        raise RuntimeError("queue_deliveries() belongs in the notification's transaction")
    ready = _ready(current_settings())
    if not any(ready.values()):
        return 0
    kind = str(kind)
    audiences = list(audiences)
    now = utcnow()
    rows = []

    def add(channel, link, user=None, unit=None, locale=""):
        rows.append(
            {
                "channel": channel.value,
                "user": user,
                "unit": unit,
                "kind": kind,
                "params": params,
                "target": link,
                "locale": locale,
                "next_try": now,
                "created_at": now,
            }
        )

    people = [(user, a.link) for a in audiences for user in a.users]
    if ready[DeliveryChannel.EMAIL] and people:
        addressed = {
            c.user_id
            for c in UserContact.select(UserContact.user).where(
                UserContact.user.in_(list({u.id for u, _link in people})), UserContact.email != ""
            )
        }
        wanting = preferences.users_wanting(addressed, kind, DeliveryChannel.EMAIL)
        for user, link in people:
            if user.id in wanting:
                add(DeliveryChannel.EMAIL, link, user=user.id, locale=user.locale)
    links = {a.unit_id: a.link for a in audiences if a.unit_id}
    if links:
        office_allows = {
            channel: ready[channel] and on
            for (k, channel), on in preferences.defaults().items()
            if k == kind
        }
        for contact in UnitContact.select().where(UnitContact.unit.in_(list(links))):
            addresses = {
                DeliveryChannel.EMAIL: contact.email,
                DeliveryChannel.WECOM: contact.wecom_webhook,
                DeliveryChannel.DINGTALK: contact.dingtalk_webhook,
            }
            for channel, address in addresses.items():
                if address and office_allows.get(channel.value):
                    add(channel, links[contact.unit_id], unit=contact.unit_id)
    for first in range(0, len(rows), 500):
        Delivery.insert_many(rows[first : first + 500]).execute()
    return len(rows)


def due(now: datetime | None = None, limit: int = 500) -> list[int]:
    """The ids of pending deliveries whose time has come, oldest first."""
    now = now or utcnow()
    query = (
        Delivery.select(Delivery.id)
        .where(Delivery.state == DeliveryState.PENDING, Delivery.next_try <= now)
        .order_by(Delivery.next_try, Delivery.id)
        .limit(limit)
    )
    return [row.id for row in query]


def lease(config: Mapping) -> timedelta:
    """How long a claim keeps other workers off a delivery."""
    timeout = float(config.get("DELIVERY_TIMEOUT", 10))
    return max(LEASE, timedelta(seconds=timeout * LEASE_TIMEOUTS))


def claim(delivery_id: int, now: datetime, hold: timedelta = LEASE) -> bool:
    """Take ``delivery_id`` for this worker for ``hold``: True for exactly one of any number
    of workers asking at once (the UPDATE's condition is checked by the database, row by
    row). Each claim counts a try, which tells this claim's outcome from a later one's."""
    with database.atomic():
        taken = (
            Delivery.update(next_try=now + hold, attempts=Delivery.attempts + 1)
            .where(
                Delivery.id == delivery_id,
                Delivery.state == DeliveryState.PENDING,
                Delivery.next_try <= now,
            )
            .execute()
        )
    return taken == 1


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def compose(delivery: Delivery, config: Mapping) -> Message:
    """The message in the recipient's language: the notification's sentence and where to
    read it (the notification centre, when ``PUBLIC_URL`` says where the app is)."""
    with force_locale(delivery.locale or "zh_CN"):
        system = _("督查考核评分系统")
        sentence = render(delivery.kind, delivery.parameters)
        subject = _(
            "【%(system)s】%(kind)s", system=system, kind=notification_kind_label(delivery.kind)
        )
        public = (config.get("PUBLIC_URL") or "").rstrip("/")
        if public:
            where = _("请登录系统查看：%(url)s", url=f"{public}/notifications/")
        else:
            where = _("请登录%(system)s查看。", system=system)
        body = f"{sentence}\n\n{where}"
    return Message(subject, body)


def _secrets(settings: ChannelSettings, contact: UnitContact | None) -> list[str]:
    found = [settings.smtp_password]
    if contact is not None:
        found += [contact.wecom_webhook, contact.dingtalk_webhook, contact.dingtalk_secret]
    return [s for s in found if s]


def _transmit(delivery: Delivery, settings, contact, message: Message, config) -> None:
    """Send ``message`` by the delivery's channel; raise ChannelError when it is not taken."""
    timeout = float(config.get("DELIVERY_TIMEOUT", 10))
    channel = delivery.channel
    if not _ready(settings).get(channel):
        raise channels.ChannelError("channel switched off by the office", SWITCHED_OFF)
    if channel == DeliveryChannel.EMAIL:
        if delivery.user_id is not None:
            row = UserContact.get_or_none(UserContact.user == delivery.user_id)
            address = row.email if row else ""
        else:
            address = contact.email if contact else ""
        if not address:
            raise channels.ChannelError("no e-mail address any more", NO_ADDRESS)
        server = channels.SmtpServer(
            settings.smtp_host,
            int(settings.smtp_port),
            settings.smtp_security,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_from,
            timeout,
            config.get("SMTP_CA_FILE", ""),
        )
        name = config.get("ISSUING_OFFICE") or message.subject
        channels.send_email(server, address, message.subject, message.body, name)
        return
    text = f"{message.subject}\n{message.body}"
    if channel == DeliveryChannel.WECOM and contact is not None and contact.wecom_webhook:
        channels.post_wecom(contact.wecom_webhook, text, timeout)
    elif channel == DeliveryChannel.DINGTALK and contact is not None and contact.dingtalk_webhook:
        channels.post_dingtalk(contact.dingtalk_webhook, contact.dingtalk_secret, text, timeout)
    else:
        raise channels.ChannelError("no robot webhook any more", NO_ADDRESS)


def send(delivery_id: int, config: Mapping, now: datetime | None = None) -> str | None:
    """Claim and send one delivery; return its state afterwards, or None when another
    worker has it, it was sent already, or its time has not come."""
    now = now or utcnow()
    if not claim(delivery_id, now, lease(config)):
        return None
    delivery = Delivery.get_by_id(delivery_id)
    settings = current_settings()
    contact = UnitContact.get_or_none(UnitContact.unit == delivery.unit_id)
    # The outcome is written only while this claim is the latest (no other worker took the
    # row after the lease ran out), so a slow send never overwrites a later one's result.
    ours = (
        (Delivery.id == delivery.id)
        & (Delivery.state == DeliveryState.PENDING)
        & (Delivery.attempts == delivery.attempts)
    )
    try:
        _transmit(delivery, settings, contact, compose(delivery, config), config)
    except Exception as exc:  # any failure is this try's: counted, retried, then listed
        if isinstance(exc, channels.ChannelError):
            problem, detail = exc.problem, str(exc)
        else:
            # Something unforeseen rather than a channel's refusal: named by its type (no
            # traceback: its frames hold the webhook's key), still counted, so the row ends
            # failed and listed instead of retried for ever.
            problem, detail = UNFORESEEN, f"{type(exc).__name__}: {exc}"
        error = problem_text(problem, cleaned(detail, _secrets(settings, contact)))
        final = delivery.attempts >= int(config.get("DELIVERY_MAX_ATTEMPTS", 5))
        state = DeliveryState.FAILED if final else DeliveryState.PENDING
        log.warning(
            "delivery %s (%s) try %s failed%s: %s",
            delivery.id,
            delivery.channel,
            delivery.attempts,
            ", given up" if final else "",
            error,
        )
        Delivery.update(
            state=state, last_error=error, next_try=now + backoff(delivery.attempts)
        ).where(ours).execute()
        return state
    Delivery.update(state=DeliveryState.SENT, sent_at=utcnow(), last_error="").where(ours).execute()
    return DeliveryState.SENT


def retry(delivery_id: int, actor) -> Delivery:
    """Put a failed delivery back in the queue with its tries counted afresh (audited
    ``delivery.retry``); refused (DeliveryError) unless it is failed."""
    with database.atomic():
        row = locked(Delivery, delivery_id)
        if row.state != DeliveryState.FAILED:
            raise DeliveryError(_("只有发送失败的消息可以重新投递"))
        row.state, row.attempts, row.next_try = DeliveryState.PENDING.value, 0, utcnow()
        row.save()
        audit.record(
            "delivery.retry",
            "delivery",
            row.id,
            after={"channel": row.channel, "kind": row.kind, "to": recipient_of(row)},
            actor=actor,
        )
    return row


def recipient_of(delivery: Delivery) -> str:
    """Who a delivery is for, in words (a person's name, or the unit's)."""
    if delivery.user_id is not None:
        return delivery.user.label
    return delivery.unit.name if delivery.unit_id is not None else ""


def failed():
    """The deliveries given up on, newest first (a query, for paging), each with its person
    and unit read in the same query (the list names them: no query per row)."""
    return (
        Delivery.select(Delivery, User, Unit)
        .join(User, JOIN.LEFT_OUTER, on=Delivery.user)
        .switch(Delivery)
        .join(Unit, JOIN.LEFT_OUTER, on=Delivery.unit)
        .where(Delivery.state == DeliveryState.FAILED)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
    )
