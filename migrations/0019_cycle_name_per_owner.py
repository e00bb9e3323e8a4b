"""A cycle's name is unique per year and owner, not per year across the city: two county
offices may each run "2012 乡镇考核". The unique index takes ``COALESCE(owner_id, 0)``
because a plain (year, owner_id, name) index treats every NULL owner (the city office's
cycles) as distinct, on SQLite and on PostgreSQL before NULLS NOT DISTINCT.

Stepping down restores the old index, which fails while two offices' cycles share a name
and year; that is the data the old rule cannot hold."""

import peewee as pw

DROPS_COLUMNS = ()

_NEW = "CREATE UNIQUE INDEX cycle_year_owner_name ON cycle (year, COALESCE(owner_id, 0), name)"


def up(migrator, db: pw.Database):
    migrator.migrate(migrator.drop_index("cycle", "cycle_year_name"))
    db.execute_sql(_NEW)


def down(migrator, db: pw.Database):
    db.execute_sql("DROP INDEX cycle_year_owner_name")
    migrator.migrate(migrator.add_index("cycle", ("year", "name"), True))
