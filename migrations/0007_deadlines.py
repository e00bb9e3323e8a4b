"""Deadlines and publish safeguards: one unit's extension of the self-report deadline (延期),
and on each published snapshot what the office confirmed before publishing and why units
that never reported were published all the same.
"""

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

    class DeadlineExtension(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        due = pw.DateField()
        reason = pw.TextField()
        granted_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        granted_at = pw.DateTimeField()

        class Meta:
            indexes = ((("cycle", "unit"), True),)

    return DeadlineExtension


SNAPSHOT_COLUMNS = (
    ("confirmed", pw.TextField(default="{}")),
    ("unreported", pw.TextField(default="[]")),
    ("unreported_reason", pw.TextField(default="")),
)

DROPS_TABLES = ("deadline_extension",)
DROPS_COLUMNS = tuple(("result_snapshot", name, field.default) for name, field in SNAPSHOT_COLUMNS)


def up(migrator, db):
    migrator.migrate(
        *[migrator.add_column("result_snapshot", name, field) for name, field in SNAPSHOT_COLUMNS]
    )
    db.create_tables([_models(db)])


def down(migrator, db):
    db.drop_tables([_models(db)])
    migrator.migrate(
        *[migrator.drop_column("result_snapshot", name) for name, _field in SNAPSHOT_COLUMNS]
    )
