"""Personal API tokens (接口令牌) for ``/api/v1``: one row per token, holding the SHA-256
of its secret, its scope (read or write), expiry, revocation and last use."""

import datetime

import peewee as pw


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class ApiToken(Base):
        user = pw.ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
        name = pw.CharField(max_length=64)
        secret_hash = pw.CharField(max_length=64, unique=True)
        scope = pw.CharField(max_length=8)
        created_at = pw.DateTimeField(default=datetime.datetime.utcnow)
        expires_at = pw.DateTimeField()
        revoked_at = pw.DateTimeField(null=True)
        last_used_at = pw.DateTimeField(null=True)

    return ApiToken


DROPS_TABLES = ("api_token",)


def up(migrator, db):
    db.create_tables([_models(db)])


def down(migrator, db):
    db.drop_tables([_models(db)])
