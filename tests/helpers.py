"""Test helpers shared across layers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

from click.testing import CliRunner

from assess.cli.main import main
from assess.core.db import database


@contextmanager
def count_queries():
    """Count SQL statements run inside the block: ``with count_queries() as n: ...; n()``."""
    counter = {"n": 0}
    target = database.obj
    original = target.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter["n"] += 1
        return original(sql, params, *args, **kwargs)

    target.execute_sql = counting
    try:
        yield lambda: counter["n"]
    finally:
        del target.execute_sql


def command(monkeypatch, app, *args):
    """Run ``assess ARGS`` on the instance and database of ``app``."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ASSESS_INSTANCE", app.config["ASSESS_INSTANCE"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("AUDIT_KEY", app.config["AUDIT_KEY"])
    for name in (
        "STORAGE_URL",
        "S3_ENDPOINT_URL",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
        "S3_REGION",
    ):
        if app.config.get(name):
            monkeypatch.setenv(name, app.config[name])
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def at_once(work: Callable[[], object], times: int = 2) -> list:
    """Run ``work`` in ``times`` threads released together, each on its own database
    connection (as that many workers or requests would); their results, in finishing order."""
    start = threading.Barrier(times, timeout=20)
    results = []

    def run() -> None:
        database.connect(reuse_if_open=True)
        try:
            start.wait()
            results.append(work())
        finally:
            database.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
