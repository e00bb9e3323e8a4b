"""Nomination rounds run at every level (各级评选): a round's owner
(``nomination_round.owner_id``: the unit whose office runs it and issues its award list;
NULL is the city office, as before). Existing rounds keep NULL and work unchanged."""

import peewee as pw


def _unit(db):
    class Unit(pw.Model):
        class Meta:
            database = db
            table_name = "unit"

    return Unit


DROPS_COLUMNS = (("nomination_round", "owner_id", None),)


def up(migrator, db):
    unit = _unit(db)
    migrator.migrate(
        migrator.add_column(  # indexed
            "nomination_round",
            "owner_id",
            pw.ForeignKeyField(unit, field=unit.id, null=True, on_delete="RESTRICT"),
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("nomination_round", "nomination_round_owner_id"),
        migrator.drop_column("nomination_round", "owner_id"),
    )
