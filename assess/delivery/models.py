"""The delivery tables: the office's channel settings, the contacts of units and people,
who wants what by which channel, and the outbox (投递记录).

Secrets (the SMTP password, webhook URLs, which carry their access token, the DingTalk
signing secret) are stored here because the worker needs them to send; no page, log line
or audit entry shows them back (``assess.delivery.secrets``).
"""

from __future__ import annotations

import json

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.enums import DeliveryState, SmtpSecurity
from assess.core.models import utcnow
from assess.units.models import Unit


class ChannelSettings(BaseModel):
    """The office's channels (消息渠道设置): one row (id 1). A channel is off until the office
    switches it on; e-mail also needs its SMTP server."""

    email_enabled = pw.BooleanField(default=False)
    smtp_host = pw.CharField(max_length=255, default="")
    smtp_port = pw.IntegerField(default=587)
    smtp_security = pw.CharField(max_length=16, default=SmtpSecurity.STARTTLS.value)
    smtp_user = pw.CharField(max_length=255, default="")
    smtp_password = pw.CharField(max_length=255, default="")
    smtp_from = pw.CharField(max_length=255, default="")
    wecom_enabled = pw.BooleanField(default=False)
    dingtalk_enabled = pw.BooleanField(default=False)
    updated_at = pw.DateTimeField(default=utcnow)


class UnitContact(BaseModel):
    """A unit's contacts for its notifications (单位联系方式): a mailbox and group robots.
    Each gets the unit's news once per event, however many reporters the unit has."""

    unit = pw.ForeignKeyField(Unit, unique=True, on_delete="CASCADE")
    email = pw.CharField(max_length=255, default="")
    wecom_webhook = pw.CharField(max_length=500, default="")
    dingtalk_webhook = pw.CharField(max_length=500, default="")
    dingtalk_secret = pw.CharField(max_length=255, default="")
    updated_at = pw.DateTimeField(default=utcnow)


class UserContact(BaseModel):
    """A person's own e-mail address (个人邮箱), set on their 接收设置 page."""

    user = pw.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    email = pw.CharField(max_length=255, default="")
    updated_at = pw.DateTimeField(default=utcnow)


class ChannelDefault(BaseModel):
    """The office's default (默认接收方式) for one kind of notification and one channel; no
    row means on (a channel delivers nothing until the office sets it up anyway)."""

    kind = pw.CharField(max_length=32)
    channel = pw.CharField(max_length=16)
    enabled = pw.BooleanField()

    class Meta:
        indexes = ((("kind", "channel"), True),)


class ChannelPreference(BaseModel):
    """One person's choice for one kind and channel (个人接收方式); no row: the default."""

    user = pw.ForeignKeyField(User, on_delete="CASCADE")
    kind = pw.CharField(max_length=32)
    channel = pw.CharField(max_length=16)
    enabled = pw.BooleanField()

    class Meta:
        indexes = ((("user", "kind", "channel"), True),)


class Delivery(BaseModel):
    """One message to send by one channel (投递), written in the transaction of the
    notification it carries, so a rolled-back event sends nothing and a committed one is
    never lost. To a person (``user``: e-mail) or to a unit (``unit``: its mailbox or
    robot). The address is read when it is sent, so a contact corrected meanwhile is used
    and no webhook is copied here. A worker claims a row by moving ``next_try`` past now in
    one conditional UPDATE; ``last_error`` is already cleaned of secrets."""

    channel = pw.CharField(max_length=16)
    user = pw.ForeignKeyField(User, null=True, on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, null=True, on_delete="CASCADE")
    kind = pw.CharField(max_length=32)
    params = pw.TextField(default="{}")
    target = pw.TextField(default="")
    locale = pw.CharField(max_length=10, default="")
    state = pw.CharField(max_length=16, default=DeliveryState.PENDING.value)
    attempts = pw.IntegerField(default=0)
    next_try = pw.DateTimeField(default=utcnow)
    last_error = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        # The dispatcher's scan: pending rows whose time has come.
        indexes = ((("state", "next_try"), False),)

    @property
    def parameters(self) -> dict:
        return json.loads(self.params or "{}")
