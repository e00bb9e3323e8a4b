"""The database: one deferred peewee handle, its connection hooks and the model base class.

The engine is chosen by ``DATABASE_URL`` through ``playhouse.db_url`` so SQLite (the embedded
default) and PostgreSQL run the same code.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading

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


def locked(model: type[peewee.Model], row_id: int, share: bool = False) -> peewee.Model:
    """``model``'s row ``row_id`` re-read inside the caller's transaction, so a state check
    made on it holds until the transaction ends; raise ``model.DoesNotExist`` if it is gone.

    PostgreSQL locks the row (``FOR UPDATE``; ``share`` takes ``FOR SHARE``, which lets
    writers that only depend on the row go on side by side while one that changes it waits).
    SQLite's ``BEGIN IMMEDIATE`` already holds the database's only write lock, so a plain
    re-read sees the last committed state and nobody can change it before we commit.
    """
    if not database.in_transaction():
        raise RuntimeError("locked() outside a transaction checks nothing")
    query = model.select().where(model._meta.primary_key == row_id)
    if is_postgres():
        query = query.for_update("FOR SHARE" if share else "FOR UPDATE")
    return query.get()


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


# SQLite deletes its -wal and -shm files when the last connection to a database closes, and
# the next connection must create them again: on a full disk it cannot (SQLITE_IOERR_SHMSIZE)
# and even reads fail. One idle connection per process keeps them, so reads go on and a
# write is refused with SQLITE_FULL, rolled back whole. One per process, not per app: the
# test suite builds thousands of apps.
_keeper: tuple[int, str, sqlite3.Connection] | None = None
_keeper_lock = threading.Lock()


def keep_sqlite_files(path: str) -> None:
    """Hold one idle connection to the SQLite file ``path`` in this process (see above)."""
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    pid = os.getpid()
    if _keeper is not None and _keeper[:2] == (pid, path):
        return
    with _keeper_lock:
        _replace_keeper(pid, path)


def _replace_keeper(pid: int, path: str) -> None:
    global _keeper
    if _keeper is not None and _keeper[:2] == (pid, path):
        return
    if _keeper is not None and _keeper[0] == pid:
        _keeper[2].close()  # a process forked after the open must not close its parent's
    _keeper = None
    try:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # maps the -shm
    except sqlite3.Error:
        return  # the request's own connection reports what is wrong
    _keeper = (pid, path, conn)


def init_app(app) -> None:
    """Bind the database from the app's config and open/close a connection per request."""
    bind(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect() -> None:
        database.connect(reuse_if_open=True)
        if is_sqlite():
            keep_sqlite_files(database.obj.database)

    @app.teardown_request
    def _close(exc) -> None:
        if database.is_closed():
            return
        try:
            database.close()
        except peewee.PeeweeException:
            # A server gone mid-request or a transaction left open by a failed rollback:
            # an error here would escape every error page, so drop the connection instead,
            # and the next request opens a new one.
            app.logger.warning("database connection dropped after an error", exc_info=True)
            conn = database.connection()
            database.obj.dispose()
            # A dead connection may refuse even to close.
            with contextlib.suppress(Exception):
                conn.close()
