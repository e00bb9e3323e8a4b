"""Notifications (消息通知): one row per recipient, with the event's parameters rendered in
the reader's language, and the deadline reminders already sent (unique per cycle, unit,
deadline, date and threshold, so a reminder goes out once however many workers scan)."""

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

    class Cycle(Base):
        class Meta:
            table_name = "cycle"

    class Notification(Base):
        user = pw.ForeignKeyField(User, on_delete="CASCADE")
        kind = pw.CharField(max_length=32)
        params = pw.TextField(default="{}")
        target = pw.TextField(default="")
        created_at = pw.DateTimeField(default=datetime.datetime.utcnow)
        read_at = pw.DateTimeField(null=True)

        class Meta:
            indexes = ((("user", "read_at"), False), (("user", "created_at"), False))

    class ReminderSent(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        deadline = pw.CharField(max_length=16)
        due = pw.DateField()
        threshold = pw.CharField(max_length=8)
        sent_at = pw.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("cycle", "unit", "deadline", "due", "threshold"), True),)

    return [Notification, ReminderSent]


DROPS_TABLES = ("notification", "reminder_sent")


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
