"""Offices at every level (各级办公室): a person's scope (``user.scope_unit_id``: the unit
whose subtree an office, inspector or leader works in; NULL is the city, as before) and a
cycle's owner (``cycle.owner_id``: the unit whose office runs it; NULL is the city office,
as before). Existing rows keep NULL in both, so they work unchanged."""

import peewee as pw


def _unit(db):
    class Unit(pw.Model):
        class Meta:
            database = db
            table_name = "unit"

    return Unit


DROPS_COLUMNS = (("user", "scope_unit_id", None), ("cycle", "owner_id", None))


def up(migrator, db):
    unit = _unit(db)
    migrator.migrate(
        migrator.add_column(  # indexed
            "user",
            "scope_unit_id",
            pw.ForeignKeyField(unit, field=unit.id, null=True, on_delete="RESTRICT"),
        ),
        migrator.add_column(  # indexed
            "cycle",
            "owner_id",
            pw.ForeignKeyField(unit, field=unit.id, null=True, on_delete="RESTRICT"),
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("user", "user_scope_unit_id"),
        migrator.drop_column("user", "scope_unit_id"),
        migrator.drop_index("cycle", "cycle_owner_id"),
        migrator.drop_column("cycle", "owner_id"),
    )
