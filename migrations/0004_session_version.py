"""A per-user session generation, raised at sign-out, so copied session cookies die."""

import peewee as pw

# A raised generation is what ``down`` would lose (sessions it ended would come back).
DROPS_COLUMNS = (("user", "session_version", 0),)


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "session_version", pw.IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "session_version"))
