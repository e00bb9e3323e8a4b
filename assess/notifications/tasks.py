"""The queue's periodic reminders: every 10 minutes, the same scans as ``assess remind``
(deadlines and overdue rectification demands).

Each ``assess worker`` runs huey's scheduler, so with two workers this task is enqueued
twice per period and both copies run: the unique key of ``reminder_sent`` is what sends
each reminder once, not a lock around the task.
"""

from __future__ import annotations

import logging

from assess.core.queue import crontab, huey, task_context
from assess.notifications.overdue import send_overdue_reminders
from assess.notifications.reminders import send_reminders

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/10"), retries=2, retry_delay=60)
def remind_periodically() -> int:
    """Send the deadline reminders and the overdue rectification reminders due now; return
    how many were sent."""
    with task_context():
        sent = send_reminders() + send_overdue_reminders()
    if sent:
        log.info("deadline reminders sent: %s", sent)
    return sent
