"""Evidence on a unit's answer to a rectification demand (整改佐证材料):
``evidence.rectification_id``, deleted with its demand."""

import peewee as pw

# An answer's files are what ``down`` would lose (their rows go with the column).
DROPS_COLUMNS = (("evidence", "rectification_id", None),)


def _rectification(db):
    # Frozen: only the key the new column points at.
    class Rectification(pw.Model):
        class Meta:
            database = db
            table_name = "rectification"

    return Rectification


def up(migrator, db):
    target = _rectification(db)
    column = pw.ForeignKeyField(target, field=target.id, null=True, on_delete="CASCADE")
    migrator.migrate(migrator.add_column("evidence", "rectification_id", column))  # indexed


def down(migrator, db):
    evidence = pw.Table("evidence", ("id", "rectification_id")).bind(db)
    evidence.delete().where(evidence.rectification_id.is_null(False)).execute()
    migrator.migrate(
        migrator.drop_index("evidence", "evidence_rectification_id"),
        migrator.drop_column("evidence", "rectification_id"),
    )
