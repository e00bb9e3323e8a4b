"""Appeals (复核申诉): one row per appeal against a published indicator score, with its
answer; one open per unit and indicator (the unique index on ``open_slot``, NULL once
answered); the appeal's evidence (``evidence.appeal_id``, deleted with its appeal); and
each cycle's appeal deadline (``cycle.appeal_due``)."""

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

    class Appeal(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        indicator_code = pw.CharField(max_length=32)
        reason = pw.TextField()
        state = pw.CharField(max_length=16, default="open")
        open_slot = pw.IntegerField(null=True, default=1)
        filed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        filed_at = pw.DateTimeField(default=datetime.datetime.utcnow)
        snapshot_version = pw.IntegerField()
        answer = pw.TextField(default="")
        answered_by = pw.ForeignKeyField(
            User, null=True, on_delete="SET NULL", backref="answered_appeals"
        )
        answered_at = pw.DateTimeField(null=True)
        verified_value_text = pw.CharField(max_length=100, default="")
        deduction = pw.DecimalField(max_digits=10, decimal_places=2, null=True)

        class Meta:
            indexes = ((("cycle", "unit", "indicator_code", "open_slot"), True),)

    return Appeal


DROPS_TABLES = ("appeal",)
DROPS_COLUMNS = (("evidence", "appeal_id", None), ("cycle", "appeal_due", None))


def up(migrator, db):
    appeal = _models(db)
    db.create_tables([appeal])
    column = pw.ForeignKeyField(appeal, field=appeal.id, null=True, on_delete="CASCADE")
    migrator.migrate(
        migrator.add_column("evidence", "appeal_id", column),  # indexed
        migrator.add_column("cycle", "appeal_due", pw.DateField(null=True)),
    )


def down(migrator, db):
    evidence = pw.Table("evidence", ("id", "appeal_id")).bind(db)
    evidence.delete().where(evidence.appeal_id.is_null(False)).execute()
    migrator.migrate(
        migrator.drop_index("evidence", "evidence_appeal_id"),
        migrator.drop_column("evidence", "appeal_id"),
        migrator.drop_column("cycle", "appeal_due"),
    )
    db.drop_tables([_models(db)])
