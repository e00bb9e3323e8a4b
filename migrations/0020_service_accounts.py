"""Service accounts (服务账号): an account the office makes for another system (a provincial
platform, a dashboard), which holds API tokens but never signs in. One flag on ``user``;
every existing account is a person."""

import peewee as pw

DROPS_COLUMNS = (("user", "is_service", False),)


def up(migrator, db: pw.Database):
    migrator.migrate(migrator.add_column("user", "is_service", pw.BooleanField(default=False)))


def down(migrator, db: pw.Database):
    migrator.migrate(migrator.drop_column("user", "is_service"))
