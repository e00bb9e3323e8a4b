"""The queue's side of the outbox: one task per delivery, and a dispatcher every minute
that enqueues the deliveries whose time has come (new ones and retries after backoff).

Every ``assess worker`` runs the dispatcher, so with two workers a delivery may be enqueued
twice; ``outbox.send`` claims the row first, so it is sent once.
"""

from __future__ import annotations

import logging

from assess.core.queue import crontab, huey, task_context
from assess.delivery import outbox

log = logging.getLogger(__name__)


@huey.task()
def deliver(delivery_id: int) -> str | None:
    """Send one delivery (its retries are the outbox's own, with backoff)."""
    with task_context() as config:
        return outbox.send(delivery_id, config)


@huey.periodic_task(crontab(minute="*"))
def dispatch_deliveries() -> int:
    """Enqueue every delivery due now; return how many."""
    with task_context():
        ids = outbox.due()
    for delivery_id in ids:
        deliver(delivery_id)
    if ids:
        log.info("deliveries enqueued: %s", len(ids))
    return len(ids)
