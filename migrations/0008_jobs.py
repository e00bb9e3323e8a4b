"""Background jobs on the task queue: their state, progress and result in the database
(table ``job``), readable from every server, replacing the progress files of a web worker."""

import datetime

import peewee as pw


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Cycle(Base):
        class Meta:
            table_name = "cycle"

    class Job(Base):
        id = pw.CharField(max_length=32, primary_key=True)
        kind = pw.CharField(max_length=32)
        cycle = pw.ForeignKeyField(Cycle, null=True, on_delete="CASCADE")
        state = pw.CharField(max_length=16, default="queued", index=True)
        done = pw.IntegerField(default=0)
        total = pw.IntegerField(default=0)
        error = pw.TextField(default="")
        written = pw.TextField(default="[]")
        failures = pw.TextField(default="[]")
        created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = pw.DateTimeField(default=datetime.datetime.utcnow)
        started_at = pw.DateTimeField(null=True)
        finished_at = pw.DateTimeField(null=True)
        heartbeat_at = pw.DateTimeField(null=True)
        result_key = pw.CharField(max_length=255, default="")

    return Job


DROPS_TABLES = ("job",)


def up(migrator, db):
    db.create_tables([_models(db)])


def down(migrator, db):
    db.drop_tables([_models(db)])
