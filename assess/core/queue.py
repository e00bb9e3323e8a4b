"""The task queue (任务队列): one huey instance, its storage chosen by ``QUEUE_URL``.

Tasks are declared next to the code they run (``assess.reports.jobs``) with
``@huey.task()`` (and, for later periodic work, ``@huey.periodic_task(crontab(...))``); the
web servers only enqueue, ``assess worker`` consumes. The storage is set when an app is
built (``init_app``): a SqliteHuey file in the instance folder by default, so one machine
needs no extra server; PostgresHuey or RedisHuey when several machines share the queue.
A task runs inside :func:`task_context`: the app's context (translations, settings) and a
database connection of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage, PostgresStorage, RedisStorage, SqliteStorage

from assess.core.db import database

__all__ = ["QueueURLError", "consumer", "crontab", "huey", "init_app", "task_context"]

# Results are not kept: what a user sees of a job is its row in the ``job`` table.
huey = Huey("assess", results=False, utc=True, storage_class=MemoryStorage)
_app = None


class QueueURLError(ValueError):
    """``QUEUE_URL`` names no queue this code can use."""


class SharedPostgresStorage(PostgresStorage):
    """PostgresHuey for servers and workers that start together on a new database.

    Each of them creates the queue's tables when it starts (``CREATE TABLE IF NOT
    EXISTS``), which PostgreSQL does not make safe against a concurrent one: the second
    fails with a duplicate type, and that server or worker dies at start. The creation
    waits here on an advisory lock held to the end of its transaction, so whoever comes
    second finds the tables made."""

    # Any constant bigint no other code locks: the ASCII of "assessq" (hex 61737365737371).
    SCHEMA_LOCK = 0x61737365737371

    def initialize_schema(self) -> None:
        with self.db(commit=True, close=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self.SCHEMA_LOCK,))
            for statement in self.ddl:
                cursor.execute(statement)


def storage_for(url: str, instance: str | Path) -> tuple[type, dict]:
    """The huey storage class and its arguments for ``url`` (empty: the instance's file)."""
    if not url:
        return SqliteStorage, {"filename": str(Path(instance) / "queue.db")}
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres"):
        return SharedPostgresStorage, {"dsn": url}
    if scheme in ("redis", "rediss", "unix"):
        return RedisStorage, {"url": url}
    if scheme == "sqlite" and url.startswith("sqlite:///"):
        # as in DATABASE_URL: sqlite:///relative/path, sqlite:////absolute/path
        return SqliteStorage, {"filename": url[len("sqlite:///") :]}
    raise QueueURLError(
        f"{_without_password(url)!r}: postgresql://, redis:// or sqlite:/// expected"
    )


def _without_password(url: str) -> str:
    """``url`` as an error may show it: any ``user:password@`` cut to ``***@``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def init_app(app) -> None:
    """Point the queue at the app's ``QUEUE_URL`` and run tasks in this app's context."""
    global _app
    config = app.config
    storage_class, kwargs = storage_for(config["QUEUE_URL"], config["ASSESS_INSTANCE"])
    if huey.storage_class is not storage_class or huey.storage_kwargs != kwargs:
        huey.storage_class, huey.storage_kwargs = storage_class, kwargs
        huey._immediate = False  # the storage is made for the mode set just below
        huey.storage = huey.create_storage()
    huey.immediate = bool(config.get("QUEUE_IMMEDIATE"))
    _app = app


def settings() -> dict:
    """The configuration of the app the tasks run for."""
    if _app is None:
        raise RuntimeError("queue.init_app() has not run")
    return _app.config


@contextlib.contextmanager
def task_context() -> Iterator[dict]:
    """Inside a task: the app context and an open database connection; yields the config.

    A task run inline (immediate mode, inside a request) reuses the caller's connection
    and leaves it open."""
    if _app is None:
        raise RuntimeError("queue.init_app() has not run")
    with _app.app_context():
        opened = database.is_closed()
        if opened:
            database.connect()
        try:
            yield _app.config
        finally:
            if opened and not database.is_closed():
                database.close()


def consumer(workers: int, *, worker_type: str = "process") -> Consumer:
    """huey's consumer over this queue with ``workers`` workers (processes by default:
    rendering is CPU-bound Python). ``run()`` it; SIGINT stops it gracefully, SIGTERM at once."""
    if database.obj is not None and not database.is_closed():
        database.close()  # a forked worker must open its own connection, never share this one
    return huey.create_consumer(
        workers=max(1, int(workers)),
        worker_type=worker_type,
        periodic=True,
        initial_delay=0.05,
        max_delay=0.5,
    )
