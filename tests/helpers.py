"""Test helpers shared across layers."""

from __future__ import annotations

from contextlib import contextmanager

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
