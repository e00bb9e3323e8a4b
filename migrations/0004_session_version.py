"""A per-user session generation, raised at sign-out, so copied session cookies die."""

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate


def up(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("user", "session_version", pw.IntegerField(default=0)))


def down(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.drop_column("user", "session_version"))
