"""A per-user session generation, raised at sign-out, so copied session cookies die."""

import peewee as pw


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "session_version", pw.IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "session_version"))
