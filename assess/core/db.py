"""The database: one deferred peewee handle, its connection hooks and the model base class.

The engine is chosen by ``DATABASE_URL`` through ``playhouse.db_url`` so SQLite (the embedded
default) and PostgreSQL run the same code.
"""

from __future__ import annotations

import peewee
from playhouse.db_url import connect as connect_url

database = peewee.DatabaseProxy()

# SQLite: WAL lets readers go on while one writer works; foreign keys are off by default in
# SQLite and must be switched on per connection; busy_timeout makes concurrent writers wait
# instead of failing at once.
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 10000),
    ("synchronous", "normal"),
)


class DatabaseURLError(ValueError):
    """``DATABASE_URL`` could not be understood."""


def open_database(url: str) -> peewee.Database:
    """Return an unconnected peewee database for ``url``; raise DatabaseURLError if unusable."""
    scheme = url.split(":", 1)[0]
    try:
        if scheme.startswith("sqlite"):
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one
            # failing with SQLITE_BUSY when it upgrades from a read snapshot.
            db = connect_url(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
        else:
            db = connect_url(url)
    except (RuntimeError, ValueError, KeyError, AttributeError) as exc:
        raise DatabaseURLError(f"{url!r}: {exc}") from exc
    return db


def bind(db: peewee.Database) -> None:
    """Point every model at ``db``."""
    database.initialize(db)


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def init_app(app) -> None:
    """Bind the database from the app's config and open/close a connection per request."""
    bind(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect() -> None:
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc) -> None:
        if not database.is_closed():
            database.close()
