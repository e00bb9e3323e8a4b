"""Overdue rectification reminders already sent (整改逾期提醒): one row per demand and due
date, unique, so a demand past its date is reminded once however many workers scan."""

import datetime

import peewee as pw


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Rectification(Base):
        class Meta:
            table_name = "rectification"

    class RectificationOverdueSent(Base):
        rectification = pw.ForeignKeyField(Rectification, on_delete="CASCADE")
        due = pw.DateField()
        sent_at = pw.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("rectification", "due"), True),)

    return [RectificationOverdueSent]


DROPS_TABLES = ("rectification_overdue_sent",)


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
