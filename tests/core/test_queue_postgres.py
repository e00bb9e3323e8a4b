"""PostgresHuey on a new database: servers and workers starting together each create the
queue's tables, and none of them fails for it."""

from __future__ import annotations

import threading

import pytest

from assess.core import queue
from tests.conftest import fresh_pg_database

pytestmark = pytest.mark.postgres_only

STARTING_TOGETHER = 8


def test_servers_starting_together_on_a_new_database_all_get_the_queue():
    with fresh_pg_database() as url:
        storage_class, kwargs = queue.storage_for(url, "/unused")
        start = threading.Barrier(STARTING_TOGETHER)
        failures: list[BaseException] = []

        def open_queue() -> None:
            start.wait()
            try:
                storage_class("assess", **kwargs).close()
            except Exception as exc:  # what `assess serve` would die of
                failures.append(exc)

        threads = [threading.Thread(target=open_queue) for _ in range(STARTING_TOGETHER)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        # The queue works: a task goes in and comes out.
        storage = storage_class("assess", **kwargs)
        storage.enqueue(b"task")
        assert storage.dequeue() == b"task"
        storage.close()
