"""Delivery channels (投递渠道): the office's channel settings, the units' and people's
contacts, the defaults and each person's choices per kind of notification, and the outbox
of deliveries (pending, sent, failed) the queue works off."""

import datetime

import peewee as pw


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Unit(Base):
        class Meta:
            table_name = "unit"

    class User(Base):
        class Meta:
            table_name = "user"

    class ChannelSettings(Base):
        email_enabled = pw.BooleanField(default=False)
        smtp_host = pw.CharField(max_length=255, default="")
        smtp_port = pw.IntegerField(default=587)
        smtp_security = pw.CharField(max_length=16, default="starttls")
        smtp_user = pw.CharField(max_length=255, default="")
        smtp_password = pw.CharField(max_length=255, default="")
        smtp_from = pw.CharField(max_length=255, default="")
        wecom_enabled = pw.BooleanField(default=False)
        dingtalk_enabled = pw.BooleanField(default=False)
        updated_at = pw.DateTimeField(default=datetime.datetime.utcnow)

    class UnitContact(Base):
        unit = pw.ForeignKeyField(Unit, unique=True, on_delete="CASCADE")
        email = pw.CharField(max_length=255, default="")
        wecom_webhook = pw.CharField(max_length=500, default="")
        dingtalk_webhook = pw.CharField(max_length=500, default="")
        dingtalk_secret = pw.CharField(max_length=255, default="")
        updated_at = pw.DateTimeField(default=datetime.datetime.utcnow)

    class UserContact(Base):
        user = pw.ForeignKeyField(User, unique=True, on_delete="CASCADE")
        email = pw.CharField(max_length=255, default="")
        updated_at = pw.DateTimeField(default=datetime.datetime.utcnow)

    class ChannelDefault(Base):
        kind = pw.CharField(max_length=32)
        channel = pw.CharField(max_length=16)
        enabled = pw.BooleanField()

        class Meta:
            indexes = ((("kind", "channel"), True),)

    class ChannelPreference(Base):
        user = pw.ForeignKeyField(User, on_delete="CASCADE")
        kind = pw.CharField(max_length=32)
        channel = pw.CharField(max_length=16)
        enabled = pw.BooleanField()

        class Meta:
            indexes = ((("user", "kind", "channel"), True),)

    class Delivery(Base):
        channel = pw.CharField(max_length=16)
        user = pw.ForeignKeyField(User, null=True, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, null=True, on_delete="CASCADE")
        kind = pw.CharField(max_length=32)
        params = pw.TextField(default="{}")
        target = pw.TextField(default="")
        locale = pw.CharField(max_length=10, default="")
        state = pw.CharField(max_length=16, default="pending")
        attempts = pw.IntegerField(default=0)
        next_try = pw.DateTimeField(default=datetime.datetime.utcnow)
        last_error = pw.CharField(max_length=500, default="")
        created_at = pw.DateTimeField(default=datetime.datetime.utcnow)
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            indexes = ((("state", "next_try"), False),)

    return [ChannelSettings, UnitContact, UserContact, ChannelDefault, ChannelPreference, Delivery]


DROPS_TABLES = (
    "channel_settings",
    "unit_contact",
    "user_contact",
    "channel_default",
    "channel_preference",
    "delivery",
)


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
